import type Anthropic from '@anthropic-ai/sdk';
import { turnCost } from '../models/cost.js';
import { findProfile, type Profile } from '../models/profiles.js';
import type { Attempt, ConversationStatus, Transcript, Turn, Usage } from '../transcript/format.js';

/**
 * Message Batches are billed at half the standard price.
 * https://docs.anthropic.com/en/docs/build-with-claude/batch-processing#pricing
 */
export const BATCH_DISCOUNT = 0.5;

/** A turn as it was asked: everything but what came back. */
export interface AskedTurn {
  step: number;
  user: string;
  request: Turn['request'];
  /** max_tokens as sent, for the reason a cut-off reply gives. */
  maxTokens: number;
  /** The model as sent (the provider's name for it). */
  model: string;
  startedAt: string;
}

/** How a turn ended, whether it was streamed or batched. */
export type TurnOutcome =
  | {
      kind: 'reply';
      message: Anthropic.Message;
      requestId: string | null;
      ttftMs: number | null;
      latencyMs: number | null;
      attempts: Attempt[];
      providerCostUsd: number | null;
      /** 1 for a streamed turn, BATCH_DISCOUNT for a batched one. */
      priceFactor: number;
      batch?: { id: string; custom_id: string };
    }
  | {
      kind: 'failed';
      /** aborted and budget_exceeded stop the conversation; anything else errors it. */
      error: { type: string; message: string; status: number | null };
      attempts: Attempt[];
      /** Batch rounds or attempts, for the reason ("failed after 3 attempt(s)"). */
      tries?: { count: number; unit: 'attempt' | 'batch round' };
    };

export interface Applied {
  turn: Turn;
  /** The conversation's status after this turn: `running` while it goes on. */
  status: ConversationStatus;
  reason: string | null;
  /** What the turn cost (null without a price), for the budget. */
  costUsd: number | null;
}

/**
 * Applies a turn's outcome to its transcript: the one place that records the response, usage,
 * cost and who answered, and decides from the stop reason whether the conversation goes on.
 * Pure: the caller writes the transcript and settles the budget.
 */
export function applyOutcome(
  t: Transcript,
  asked: AskedTurn,
  outcome: TurnOutcome,
  o: { profile: Profile | undefined; profiles: readonly Profile[]; lastStep: boolean; now: string },
): Applied {
  const base = { step: asked.step, kind: 'generated' as const, user: asked.user, request: asked.request };
  if (outcome.kind === 'failed') {
    const turn = failedTurn(asked, outcome.attempts, outcome.error);
    t.turns.push(turn);
    const e = outcome.error;
    const tries = outcome.tries ?? { count: outcome.attempts.length, unit: 'attempt' };
    const [status, reason]: [ConversationStatus, string] =
      e.type === 'aborted'
        ? ['stopped', `interrupted during step ${asked.step}; resume to continue`]
        : e.type === 'budget_exceeded'
          ? ['stopped', `budget: step ${asked.step}'s stream broke and the budget cannot cover a retry; resume with a higher --max-cost`]
          : ['errored', `step ${asked.step} failed after ${tries.count} ${tries.unit}(s): ${e.message}`];
    end(t, status, reason, o.now);
    return { turn, status, reason, costUsd: null };
  }

  const m = outcome.message;
  const usage = usageOf(m.usage);
  // Priced as the model that answered: another model may answer (a server-side fallback), and
  // its prices are its own. One the profiles do not know has no price, rather than a wrong one.
  const answered = m.model === asked.model ? o.profile : findProfile(o.profiles, m.model);
  const full = turnCost(answered?.prices ?? undefined, { ...usage, cache_creation: m.usage.cache_creation });
  const cost = full === null ? null : Math.round(full * outcome.priceFactor * 1e8) / 1e8;
  const turn: Turn = {
    ...base,
    response: { id: m.id, model: m.model, request_id: outcome.requestId, content: m.content, stop_reason: m.stop_reason, stop_details: m.stop_details, usage },
    timing: { started_at: asked.startedAt, ttft_ms: outcome.ttftMs, latency_ms: outcome.latencyMs },
    attempts: outcome.attempts,
    cost_usd: cost,
    provider_cost_usd: outcome.providerCostUsd,
    error: null,
    ...(outcome.batch ? { batch: outcome.batch } : {}),
  };
  t.turns.push(turn);
  t.model_returned = m.model;

  let status: ConversationStatus = 'running';
  let reason: string | null = null;
  if (m.stop_reason === 'refusal') {
    // A refused turn must be removed or rephrased before the conversation can go on.
    const why = m.stop_details?.explanation ? `: ${m.stop_details.explanation}` : '';
    [status, reason] = ['refused', `step ${asked.step} was refused${why}; the conversation cannot continue past a refusal`];
  } else if (m.stop_reason === 'max_tokens') {
    [status, reason] = ['max_tokens', `step ${asked.step} hit max_tokens (${asked.maxTokens}); its reply is cut off, so later steps would build on a partial answer`];
  } else if (m.stop_reason === 'model_context_window_exceeded') {
    // "Treat the response as truncated": a cut-off, like max_tokens, for the same reason.
    // https://platform.claude.com/docs/en/api/handling-stop-reasons
    [status, reason] = [
      'max_tokens',
      `step ${asked.step} filled the model's context window (model_context_window_exceeded); its reply is cut off, so later steps would build on a partial answer`,
    ];
  } else if (m.stop_reason === 'pause_turn') {
    // Still paused after every continuation the retry budget allows (sendToTheEnd).
    const sent = outcome.attempts.filter((a) => a.outcome === 'ok').length;
    [status, reason] = [
      'errored',
      `step ${asked.step} still paused (pause_turn) after ${sent} request(s), each sending the reply so far back to continue; continuing further needs a higher --max-retries (or --max-cost)`,
    ];
  } else if (m.stop_reason !== null && !NORMAL_ENDS.has(m.stop_reason)) {
    // A stop reason this engine does not know: recorded, and never taken as a normal end.
    [status, reason] = [
      'errored',
      `step ${asked.step} stopped with stop_reason ${m.stop_reason}, which driftbench does not know how to continue from; the reply is kept, and the conversation stops here`,
    ];
  } else if (o.lastStep) {
    status = 'complete';
  }
  if (status !== 'running') end(t, status, reason, o.now);
  return { turn, status, reason, costUsd: cost };
}

/**
 * The parts of a turn that paused (pause_turn) and was continued, as one reply: the content of
 * every part in order (a continuation carries on the same assistant turn: the API combines
 * consecutive assistant messages into one), every attempt, and the usage of all the requests
 * added up, since each was billed. The last part's stop reason is the turn's.
 * https://platform.claude.com/docs/en/api/handling-stop-reasons
 */
export function joinPaused<T extends { message: Anthropic.Message; attempts: Attempt[]; latencyMs: number; providerCostUsd: number | null }>(parts: readonly T[]): T {
  const [first, ...rest] = parts;
  if (!first) throw new Error('joinPaused: no parts');
  if (rest.length === 0) return first;
  const last = parts.at(-1)!;
  const sum = (f: (u: Anthropic.Usage) => number | null | undefined) => parts.reduce((n, p) => n + (f(p.message.usage) ?? 0), 0);
  const usage: Anthropic.Usage = {
    ...last.message.usage,
    input_tokens: sum((u) => u.input_tokens),
    output_tokens: sum((u) => u.output_tokens),
    cache_creation_input_tokens: sum((u) => u.cache_creation_input_tokens),
    cache_read_input_tokens: sum((u) => u.cache_read_input_tokens),
    cache_creation: {
      ephemeral_5m_input_tokens: sum((u) => u.cache_creation?.ephemeral_5m_input_tokens),
      ephemeral_1h_input_tokens: sum((u) => u.cache_creation?.ephemeral_1h_input_tokens),
    },
    output_tokens_details: { thinking_tokens: sum((u) => u.output_tokens_details?.thinking_tokens) },
  };
  const costs = parts.map((p) => p.providerCostUsd);
  return {
    ...first,
    message: { ...last.message, id: first.message.id, content: parts.flatMap((p) => p.message.content), usage },
    attempts: parts.flatMap((p) => p.attempts),
    latencyMs: parts.reduce((n, p) => n + p.latencyMs, 0),
    providerCostUsd: costs.every((c) => c !== null) ? costs.reduce((n, c) => n + c!, 0) : null,
  };
}

/** A turn that got no reply: what was asked, every attempt, and the error. */
export function failedTurn(asked: AskedTurn, attempts: Attempt[], error: NonNullable<Turn['error']>): Turn {
  return {
    step: asked.step,
    kind: 'generated',
    user: asked.user,
    request: asked.request,
    response: null,
    timing: { started_at: asked.startedAt, ttft_ms: null, latency_ms: null },
    attempts,
    cost_usd: null,
    provider_cost_usd: null,
    error,
  };
}

/** Stop reasons after which a conversation goes on as usual. */
const NORMAL_ENDS: ReadonlySet<string> = new Set(['end_turn', 'stop_sequence']);

function end(t: Transcript, status: ConversationStatus, reason: string | null, now: string): void {
  t.status = status;
  t.status_reason = reason;
  t.ended_at = now;
}

/**
 * The SDK's usage as a transcript stores it: every field the API returned, kept as given (the
 * cache-write split, service tier, inference geo, speed, and whatever comes next), with the four
 * token counts as numbers and the thinking tokens lifted out of output_tokens_details.
 */
export function usageOf(u: Anthropic.Usage): Usage {
  return {
    ...u,
    input_tokens: u.input_tokens ?? 0,
    output_tokens: u.output_tokens ?? 0,
    cache_creation_input_tokens: u.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: u.cache_read_input_tokens ?? 0,
    thinking_tokens: u.output_tokens_details?.thinking_tokens ?? null,
  };
}
