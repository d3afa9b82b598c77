import { createHash } from 'node:crypto';
import { findModel, type ModelRecord } from './models.js';
import { signThinking } from './sse.js';
import { canonicalJson } from './tokens.js';

/**
 * Thinking signatures under rules 'today'. Every signature names the model that wrote the
 * block and seals its text; on the models with preserved thinking it also seals the block's
 * conversation prefix: the top-level system prompt, the tools, every message before the block
 * and the blocks before it in its own message
 * (https://platform.claude.com/docs/en/build-with-claude/preserved-thinking/prefix-checks).
 * The server keeps no state: everything it checks is in the signature.
 *
 * The prefix is hashed without cache_control. The docs are silent on whether moving a
 * breakpoint counts as a change (research notes, open question 7); it is treated as none,
 * because a breakpoint changes nothing the model reads, the prompt-caching docs have clients
 * move it to the newest turn on every request, and issue 13 relies on it: "The cache
 * breakpoint may move; nothing else may."
 */

const BOUND = 'sigb_';

/** The 400 when a block comes back in another conversation (the docs' text, N and M filled in). */
export function boundElsewhereMessage(path: string): string {
  // https://platform.claude.com/docs/de/build-with-claude/preserved-thinking/fix-bound-to-a-different-conversation
  return `${path}: Invalid \`signature\` in \`thinking\` block. The block is bound to a different conversation. Remove the block, or set \`thinking.block_binding.prefix_mismatch_behavior\` to "drop_block".`;
}

/** The 400 when a block's text or signature was edited. */
export function invalidSignatureMessage(path: string): string {
  return `${path}: Invalid \`signature\` in \`thinking\` block`;
}

interface Payload {
  /** The model that wrote the block. */
  m: string;
  /** Hash of the conversation prefix; only on models with preserved thinking. */
  p?: string;
  /** Seal over m, p and the block's text, so none of them can be edited. */
  c: string;
}

/**
 * Signs the thinking blocks of a reply to `body` from `model`: `before` is the reply's blocks ahead
 * of this one, as sent. A request that ends with an assistant message continues that turn: a
 * pause_turn reply sent back "to continue" (https://platform.claude.com/docs/en/api/handling-stop-reasons).
 * The docs do not say how a continuation's thinking is bound; this server's assumption is the
 * one that lets the engine keep a paused turn as one assistant message: the reply's blocks are
 * bound as if they followed that message's blocks in the same message.
 */
export function replySigner(body: Record<string, unknown>, model: ModelRecord): (before: unknown[], thinking: string) => string {
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  const last = messages.at(-1) as { role?: unknown; content?: unknown } | undefined;
  const continues = last?.role === 'assistant';
  const messageCount = continues ? messages.length - 1 : messages.length;
  const earlier = continues ? (asBlocks(last.content) as unknown[]) : [];
  return (before, thinking) => {
    const prefix = model.preservedThinking ? prefixHash(body, messageCount, [...earlier, ...before]) : undefined;
    const payload: Payload = prefix === undefined ? { m: model.id, c: seal(model.id, '', thinking) } : { m: model.id, p: prefix, c: seal(model.id, prefix, thinking) };
    return BOUND + Buffer.from(JSON.stringify(payload)).toString('base64url');
  };
}

export type BlockCheck = { ok: true; dropped: string[] } | { ok: false; message: string };

/** 'not-enforced': a block bound to another prefix is used all the same (OpenRouter, openrouter.ts). */
export type PrefixCheck = 'enforced' | 'not-enforced';

/**
 * Checks every thinking block sent back in the history for `model`: an edited block is a 400;
 * a block the model cannot read is silently left out (listed in `dropped`); a readable block
 * bound to a different prefix is the docs' 400. Prefix checks are enforced by default for
 * accounts created on or after 2026-08-31, which is the account this server plays.
 */
export function checkThinkingBlocks(body: Record<string, unknown>, model: ModelRecord, prefixCheck: PrefixCheck = 'enforced'): BlockCheck {
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  const dropped: string[] = [];
  for (const [i, message] of messages.entries()) {
    const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
    if (role !== 'assistant' || !Array.isArray(content)) continue;
    for (const [j, block] of content.entries()) {
      const b = block as { type?: unknown; thinking?: unknown; signature?: unknown } | null;
      if (b?.type !== 'thinking') continue;
      const path = `messages.${i}.content.${j}`;
      const origin = typeof b.thinking === 'string' && typeof b.signature === 'string' ? originOf(b.signature, b.thinking) : 'invalid';
      if (origin === 'invalid') return { ok: false, message: invalidSignatureMessage(path) };
      if (!canRead(model, origin === 'unbound' ? undefined : origin.m)) {
        dropped.push(path);
        continue;
      }
      if (prefixCheck === 'enforced' && origin !== 'unbound' && origin.p !== undefined && origin.p !== prefixHash(body, i, content.slice(0, j))) {
        return { ok: false, message: boundElsewhereMessage(path) };
      }
    }
  }
  return { ok: true, dropped };
}

/**
 * Which blocks a model reads: its own; those its page lists (Fable 5.1 reads Opus 5 and Opus
 * 5.5); nothing else if either side has preserved thinking, since unreadable blocks are
 * dropped silently (https://platform.claude.com/docs/en/build-with-claude/preserved-thinking).
 * Between older models the research found no rule, and the server never refused one.
 * `from` is undefined for a signThinking() signature, which names no model.
 */
function canRead(reader: ModelRecord, from: string | undefined): boolean {
  if (from === reader.id) return true;
  if (from !== undefined && reader.readsThinkingFrom.includes(from)) return true;
  if (reader.preservedThinking) return false;
  return from === undefined || findModel(from)?.preservedThinking !== true;
}

/** What a signature says about its block: who wrote it, unbound (signThinking), or invalid. */
function originOf(signature: string, thinking: string): Payload | 'unbound' | 'invalid' {
  if (signature === signThinking(thinking)) return 'unbound';
  if (!signature.startsWith(BOUND)) return 'invalid';
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(signature.slice(BOUND.length), 'base64url').toString('utf8')) as Payload;
  } catch {
    return 'invalid';
  }
  if (typeof payload?.m !== 'string' || payload.c !== seal(payload.m, payload.p ?? '', thinking)) return 'invalid';
  return payload;
}

/** The hash of what the block is bound to: system, tools, the first `messageCount` messages and the blocks before it. */
function prefixHash(body: Record<string, unknown>, messageCount: number, before: unknown[]): string {
  const messages = (Array.isArray(body['messages']) ? body['messages'] : []).slice(0, messageCount) as Array<{ role?: unknown; content?: unknown } | null>;
  const prefix = {
    system: asBlocks(body['system']),
    tools: body['tools'] ?? [],
    messages: messages.map((m) => ({ role: m?.role, content: asBlocks(m?.content) })),
    before,
  };
  return sha256(canonicalJson(comparable(prefix)));
}

/** A string is one text block to the API, so the two spellings bind alike. */
function asBlocks(content: unknown): unknown {
  if (content === undefined || content === null) return [];
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

/** Drops cache_control (see the top of the file) and null fields (the SDK's `citations: null`). */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'cache_control' && v !== null && v !== undefined) out[key] = comparable(v);
  }
  return out;
}

function seal(model: string, prefix: string, thinking: string): string {
  return sha256(`${model}\u0000${prefix}\u0000${thinking}`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
