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
  } else if (m.stop_reason !== null && !NORMAL_ENDS.has(m.stop_reason)) {
    // pause_turn (a server tool's loop paused: driftbench sends no tools, so it does not expect one)
    // and any stop reason this engine does not know: recorded, and never taken as a normal end.
    [status, reason] = [
      'errored',
      `step ${asked.step} stopped with stop_reason ${m.stop_reason}, which driftbench does not continue from; the reply is kept, and the conversation stops here`,
    ];
  } else if (o.lastStep) {
    status = 'complete';
  }
  if (status !== 'running') end(t, status, reason, o.now);
  return { turn, status, reason, costUsd: cost };
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
