import { createHash } from 'node:crypto';
import { TranscriptError } from '../errors.js';
import { type Effort, type EffortLevel, effectiveEffort, isDefaultEffort, maxTokensFor, type Profile } from '../models/profiles.js';
import type Anthropic from '@anthropic-ai/sdk';
import type { MessageParams, SamplingParams } from '../providers/types.js';
import type { Block, Turn } from '../transcript/format.js';

export interface Dropped {
  param: string;
  value: unknown;
  reason: string;
}

export type SamplingOptions = SamplingParams;

/** max_tokens for a model without a profile: generous, and at least 64000 at xhigh and max. */
const FALLBACK_MAX_TOKENS: Record<Effort, number> = { default: 16000, standard: 16000, low: 16000, medium: 32000, high: 32000, xhigh: 64000, max: 128000 };

/**
 * The request parameters for one turn, filtered through the model's profile. A parameter the
 * profile says the model rejects is never sent; it is listed in `dropped` with the reason.
 *
 * - standard effort sends neither effort nor thinking, as the original benchmark's baseline did;
 * - any other effort sends `output_config.effort` (a top-level field) and adaptive thinking with
 *   `display: "summarized"`: Opus 4.7 omits thinking text unless asked, which is how the original
 *   benchmark came to store empty thinking.
 *   https://platform.claude.com/docs/en/build-with-claude/thinking#controlling-thinking-display
 */
export function buildParams(input: {
  model: string;
  effort: Effort;
  profile: Profile | undefined;
  system: string | null;
  messages: MessageParams['messages'];
  sampling?: SamplingOptions;
}): { params: MessageParams; dropped: Dropped[]; thinking: 'none' | 'adaptive'; effective: EffortLevel | null } {
  const { model, effort, profile } = input;
  const dropped: Dropped[] = [];
  const maxTokens = profile ? maxTokensFor(profile, effort) : FALLBACK_MAX_TOKENS[effort];
  const params: MessageParams = { model, max_tokens: maxTokens, messages: input.messages };
  if (input.system !== null) params.system = input.system;

  // Thinking is asked for, with display "summarized", wherever the model will think: at every
  // named effort, and at `default` where the model thinks by default (the 5.x line: on by default
  // or always on, its text omitted unless asked). At `default` a model whose thinking is off
  // unless asked (Opus 4.7 and older) is left as it comes, which is what `default` means.
  // https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking
  let thinking: 'none' | 'adaptive' = 'none';
  const thinksByDefault = profile?.thinking.on_by_default === true;
  if (!isDefaultEffort(effort) || thinksByDefault) {
    thinking = 'adaptive';
    const adaptive = profile === undefined || profile.thinking.types.includes('adaptive');
    if (adaptive) {
      params.thinking = { type: 'adaptive', display: 'summarized' };
    } else {
      dropped.push({ param: 'thinking', value: { type: 'adaptive', display: 'summarized' }, reason: `${profile.id} takes no adaptive thinking (model profile)` });
    }
  }
  if (!isDefaultEffort(effort)) {
    if (profile === undefined || (profile.efforts as string[]).includes(effort)) {
      params.output_config = { effort };
    } else {
      dropped.push({ param: 'output_config.effort', value: effort, reason: `${profile.id} does not take effort ${effort} (model profile)` });
    }
  }

  for (const name of SAMPLING_PARAMS) {
    const value = input.sampling?.[name];
    if (value === undefined) continue;
    if (profile !== undefined && !profile.sampling[name]) {
      dropped.push({ param: name, value, reason: `${profile.id} rejects ${name} with a 400 (model profile)` });
    } else {
      params[name] = value;
    }
  }
  // The level the model works at, for the transcript: `default` sends none, so it is the model's
  // own default, which only the profile knows (the Models API lists levels, not the default).
  // https://platform.claude.com/docs/en/build-with-claude/effort
  const effortDropped = dropped.some((d) => d.param === 'output_config.effort');
  const effective = effortDropped ? null : profile ? effectiveEffort(profile, effort) : isDefaultEffort(effort) ? null : effort;
  return { params, dropped, thinking, effective };
}

const SAMPLING_PARAMS = ['temperature', 'top_p', 'top_k'] as const;

/**
 * A stored response block as a request block: what the API takes back in the history. Replies
 * hold text and thinking only (driftbench sends no tools); any other block cannot be sent back
 * faithfully, so it is refused rather than guessed at.
 */
export function toRequestBlock(b: Block): Anthropic.ContentBlockParam {
  switch (b.type) {
    case 'text':
      return { type: 'text', text: b.text ?? '' };
    case 'thinking':
      // Thinking goes back with its signature, untouched, as the API requires to continue.
      return { type: 'thinking', thinking: b.thinking ?? '', signature: b.signature ?? '' };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: b.data ?? '' };
    default:
      throw new TranscriptError(`a reply holds a ${b.type} block, which driftbench cannot send back in the history (it replays text and thinking only)`);
  }
}

/** Where a memory layer's text goes in a request (the transcript's request.injected_as). */
export type InjectedAs = NonNullable<Turn['request']['injected_as']>;

/** What a memory layer adds to one turn, and where. */
export interface Injection {
  text: string;
  as: InjectedAs;
}

/**
 * Where a model takes a memory layer's text without invalidating the thinking before it.
 *
 * On the models with preserved thinking, a thinking block is bound to everything before it: the
 * top-level system prompt, the tools and every earlier message. Rewriting the system prompt
 * between turns is a 400 ("The block is bound to a different conversation"); new instructions
 * go in a `role: "system"` message appended after a user turn and left there.
 * https://platform.claude.com/docs/en/build-with-claude/preserved-thinking/prefix-checks
 * https://platform.claude.com/docs/en/build-with-claude/preserved-thinking/change-tools-or-instructions
 * https://platform.claude.com/docs/en/build-with-claude/mid-conversation-system-messages
 *
 * The models whose profile says they take mid-conversation system messages get one. The others
 * (and models without a profile) get the text as a delimited preface to the user turn, which
 * every model takes. Either way the text stays where it was put in every later request, so the
 * prefix only ever grows.
 */
export function injectionFor(profile: Profile | undefined): InjectedAs {
  return profile?.mid_conversation_system === true ? 'system-message' : 'user-preface';
}

/** The user text of a turn with a memory preface: the recalled text, fenced off from the prompt. */
export function withPreface(text: string, prompt: string): string {
  return `<memory>\n${text}\n</memory>\n\n${prompt}`;
}

/**
 * The history before a step: every earlier user turn and assistant reply, then the new prompt,
 * each with what a memory layer injected for it exactly where it was first sent (injectionFor).
 * A request is therefore the previous request plus the new messages: nothing before them
 * changes, which preserved thinking requires and prompt caching rewards.
 *
 * With prompt caching, every user turn is a text block and the newest carries a cache_control
 * breakpoint, so each request writes its whole prefix to the cache and the next one (the same
 * prefix plus one exchange) reads it back: a conversation pays full price for each turn's new
 * tokens only. User turns are blocks in every request, not only the newest, so the prefix is
 * byte-for-byte the same from one request to the next; only the breakpoint moves.
 * https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
export function historyFor(turns: readonly Turn[], prompt: string, promptCache = false, injection: Injection | null = null): MessageParams['messages'] {
  const messages: MessageParams['messages'] = [];
  const ask = (text: string, inj: Injection | null, newest: boolean) => {
    const shown = inj?.as === 'user-preface' ? withPreface(inj.text, text) : text;
    const cache = newest ? { cache_control: { type: 'ephemeral' as const } } : {};
    messages.push({ role: 'user', content: promptCache ? [{ type: 'text', text: shown, ...cache }] : shown });
    if (inj?.as === 'system-message') messages.push({ role: 'system', content: inj.text });
  };
  for (const t of turns) {
    if (t.response === null) continue;
    ask(t.user, injectionOf(t), false);
    messages.push({ role: 'assistant', content: t.response.content.map(toRequestBlock) });
  }
  ask(prompt, injection, true);
  return messages;
}

/** What was injected into a stored turn's own request, where it stays in the history (a system-prompt injection does not). */
function injectionOf(t: Turn): Injection | null {
  const { injected, injected_as } = t.request;
  if (injected === null || injected === undefined || injected_as === undefined || injected_as === 'system-prompt') return null;
  return { text: injected, as: injected_as };
}

export function messagesHash(messages: MessageParams['messages']): string {
  return createHash('sha256').update(JSON.stringify(messages)).digest('hex');
}

/**
 * A turn's request as its transcript records it: the parameters built (buildParams), the
 * history's size and hash, what was dropped, what the cell asked for and the effort worked at.
 * Streamed and batched turns alike.
 */
export function storedRequest(built: ReturnType<typeof buildParams>, messages: MessageParams['messages'], effort: Effort): Turn['request'] {
  return {
    params: storedParams(built.params),
    message_count: messages.length,
    messages_sha256: messagesHash(messages),
    dropped: built.dropped,
    requested: { effort, thinking: built.thinking },
    effective_effort: built.effective,
  };
}

/** Parameters as stored: everything sent except the messages (they are the transcript's turns). */
export function storedParams(params: MessageParams): Record<string, unknown> {
  const { messages: _messages, ...rest } = params;
  return rest;
}
