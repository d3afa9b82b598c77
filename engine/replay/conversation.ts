import { findProfile, type Effort } from '../models/profiles.js';
import type { PlannedConversation } from '../plan/plan.js';
import { TurnFailed, type MessageParams, type Provider, type ProviderReply, type SendContext } from '../providers/types.js';
import { isGenerated, type LoadedScenario } from '../scenario/scenario.js';
import { ProviderError } from '../errors.js';
import { MEMORY_LAYERS, MemoryFailed } from '../memory/index.js';
import { distractorAnchor, distractorsFor, distractorsForTokens, type Exchange } from '../plan/distractors.js';
import type { Distractors } from '../schemas/distractors.generated.js';
import { replyText, TRANSCRIPT_FORMAT, type Attempt, type Transcript, type Turn } from '../transcript/format.js';
import type { ReplayEvents } from './events.js';
import { worstCaseTurnCost, type Budget, type Reservation } from './budget.js';
import type { ReplayContext } from './context.js';
import { applyOutcome, joinPaused, type AskedTurn, type TurnOutcome } from './outcome.js';
import type { RequestGate } from './request-gate.js';
import { buildParams, historyFor, injectionFor, messagesHash, storedRequest, toRequestBlock, type SamplingOptions } from './request.js';

/** What one run decided for all its conversations (replayPlan builds it from the plan). */
export interface RunSettings {
  runId: string;
  sampling?: SamplingOptions;
  /** Put a cache_control breakpoint on the newest turn (default on; --no-prompt-cache). */
  promptCache: boolean;
  /** How often a turn that stopped with pause_turn is sent back to continue: the retry budget (--max-retries). */
  continuations: number;
  /** Always kept, to know what the run spent; it refuses turns only when --max-cost is set. */
  budget: Budget;
  /** Adaptive limit on requests in flight. */
  gate?: RequestGate;
  /** The distractor corpus, for conversations with a distance. */
  distractors: readonly Distractors[];
}

/** Scenario steps a transcript has answered (distractor turns are not steps). */
export function stepsDone(t: Transcript): number {
  return t.turns.filter((x) => x.kind !== 'distractor').length;
}

/** Distractor turns: near-miss exchanges sent as given, after the anchor step. */
export function distractorTurns(exchanges: readonly Exchange[], after: number, effort: Effort, history: Turn[]): Turn[] {
  const out: Turn[] = [];
  for (const x of exchanges) {
    const turn = prefilledTurn(after, x.user, x.assistant, effort, historyFor([...history, ...out], x.user));
    turn.kind = 'distractor';
    out.push(turn);
  }
  return out;
}

/** A clock reading as the transcripts and the manifest store it. */
export const iso = (ms: number) => new Date(ms).toISOString();

export function newTranscript(runId: string, c: PlannedConversation, l: LoadedScenario, provider: Provider): Transcript {
  return {
    format: TRANSCRIPT_FORMAT,
    run_id: runId,
    conversation_id: c.id,
    scenario: {
      id: l.scenario.id,
      hash: l.hash,
      title: l.scenario.title,
      ...(l.scenario.family !== undefined ? { family: l.scenario.family } : {}),
      ...(l.scenario.instance !== undefined ? { instance: l.scenario.instance } : {}),
    },
    cell: {
      model: c.model,
      effort: c.effort,
      repeat: c.repeat,
      ...(c.condition ? { condition: c.condition } : {}),
      ...(c.distance ? { distance: c.distance, ...(c.distance_unit ? { distance_unit: c.distance_unit } : {}) } : {}),
    },
    provider: { name: provider.name, base_url_host: provider.baseUrl ? new URL(provider.baseUrl).host : null },
    model_requested: c.model,
    model_returned: null,
    status: 'pending',
    status_reason: null,
    started_at: null,
    ended_at: null,
    system: l.scenario.system ?? null,
    turns: [],
  };
}

/**
 * Replays one conversation, step by step, as a genuine multi-turn exchange: each step is its
 * own user turn, sent with every earlier user turn and every earlier assistant reply (thinking
 * blocks and signatures included). Each completed turn is written to disk, atomically, before
 * the next request is sent, so a killed run loses at most the turn in flight.
 *
 * Resuming continues after the last answered turn. A turn that failed before is asked again,
 * and its earlier attempts are kept on the new turn, so no error is lost.
 */
export async function replayConversation(c: PlannedConversation, l: LoadedScenario, existing: Transcript | undefined, ctx: ReplayContext, run: RunSettings): Promise<Transcript> {
  const s = l.scenario;
  const now = ctx.clock.now;
  const t = existing ?? newTranscript(run.runId, c, l, ctx.provider);
  const profile = findProfile(ctx.profiles, c.model);
  const condition = c.condition ?? 'baseline';
  const layerFactory = MEMORY_LAYERS[condition];
  if (!layerFactory) throw new ProviderError(`--condition ${condition}: unknown memory condition; choose one of ${Object.keys(MEMORY_LAYERS).join(', ')}`);
  const memory = layerFactory({ runId: run.runId, conversationId: c.id, scenario: s, settings: ctx.memory });
  if (condition !== 'baseline') t.memory = { condition, source: memory.source };
  const anchor = distractorAnchor(s);
  const distance = c.distance ?? 0;
  const apiModel = ctx.provider.apiModel?.(c.model, profile?.aliases ?? []) ?? c.model;
  t.model_requested = apiModel;
  let carried: Attempt[] = [];
  const last = t.turns.at(-1);
  if (last && last.response === null) {
    carried = last.attempts;
    t.turns.pop();
  }
  t.status = 'running';
  t.status_reason = null;
  t.started_at ??= iso(now());
  t.ended_at = null;

  const done = (): Transcript => {
    ctx.events.emit({ type: 'conversation-done', conversationId: c.id, status: t.status, reason: t.status_reason });
    return t;
  };
  const finish = async (status: Transcript['status'], reason: string | null): Promise<Transcript> => {
    t.status = status;
    t.status_reason = reason;
    t.ended_at = iso(now());
    await ctx.store.writeTranscript(t);
    return done();
  };

  // Distractors go in once the anchor step is answered (and before anything else on resume).
  const addDistractors = async () => {
    if (distance > 0 && stepsDone(t) === anchor && !t.turns.some((x) => x.kind === 'distractor')) {
      const exchanges = c.distance_unit === 'tokens' ? distractorsForTokens(run.distractors, s, distance) : distractorsFor(run.distractors, s, distance);
      t.turns.push(...distractorTurns(exchanges, anchor, c.effort, t.turns));
      await ctx.store.writeTranscript(t);
    }
  };
  const observe = async (turn: Turn) => {
    if (turn.response) await memory.observe({ step: turn.step, user: turn.user, reply: replyText(turn) });
  };
  // A memory service that fails (Mem0 answering 500, or garbage) errors this conversation, with
  // the cause; the run goes on with the others (issue 17). Anything else is not caught here.
  const memoryFailed = (e: unknown, step: number): Promise<Transcript> => {
    if (!(e instanceof MemoryFailed)) throw e;
    return finish('errored', `step ${step}: the ${condition} memory layer failed: ${e.message}`);
  };

  const lastStep = s.steps.at(-1);
  for (const step of s.steps.slice(stepsDone(t))) {
    await addDistractors();
    if (ctx.stop.requested) return finish('stopped', `stopped before step ${step.step}; resume to continue`);
    if (!isGenerated(s, step)) {
      const turn = prefilledTurn(step.step, step.prompt, step.reply!, c.effort, historyFor(t.turns, step.prompt));
      // Observed before it is kept: a prefilled turn the memory missed is added again on resume.
      try {
        await observe(turn);
      } catch (e) {
        return memoryFailed(e, step.step);
      }
      t.turns.push(turn);
      await ctx.store.writeTranscript(t);
      continue;
    }
    // A memory layer's text goes into this turn's messages, never into the system prompt, and
    // stays there in later requests (injectionFor says why); the transcript keeps it and where.
    let injected: string | null;
    try {
      injected = await memory.recall({ step: step.step, prompt: step.prompt });
    } catch (e) {
      return memoryFailed(e, step.step);
    }
    const injectedAs = injectionFor(profile);
    const messages = historyFor(t.turns, step.prompt, run.promptCache, injected === null ? null : { text: injected, as: injectedAs });
    const built = buildParams({ model: apiModel, effort: c.effort, profile, system: t.system, messages, sampling: run.sampling });
    const { params } = built;
    const asked: AskedTurn = {
      step: step.step,
      user: step.prompt,
      request: {
        ...storedRequest(built, messages, c.effort),
        ...(condition !== 'baseline' ? { injected, ...(injected !== null ? { injected_as: injectedAs } : {}) } : {}),
      },
      maxTokens: params.max_tokens,
      model: params.model,
      startedAt: iso(now()),
    };
    // The budget: reserve this turn's worst case before sending, or stop here. Without a limit
    // (or a price) nothing is refused, but the reservation still records what the turn cost.
    const worst = run.budget.limitUsd !== null ? worstCaseTurnCost(params, profile?.prices) : null;
    let hold: Reservation | null = worst === null ? run.budget.reserve(0) : await run.budget.acquire(worst);
    if (!hold) {
      return finish(
        'stopped',
        `budget: step ${step.step} could cost up to $${worst!.toFixed(4)}, more than is left (${run.budget.describe()}, $${run.budget.reserved.toFixed(4)} reserved by turns in flight); resume with a higher --max-cost`,
      );
    }
    // A stream that broke after it began may have been billed, and nobody can say how much: each
    // such attempt costs its whole reservation. Those followed by a retry are charged before it.
    let chargedBroken = 0;
    const send: SendContext = {
      scenario: s,
      step: step.step,
      signal: ctx.stop.abort.signal,
      ...run.gate?.attemptHooks(params, ctx.stop.abort.signal),
      beforeRetry: async () => {
        if (worst === null) return true;
        hold?.spendAll();
        chargedBroken++;
        hold = await run.budget.acquire(worst);
        return hold !== null;
      },
    };
    await run.gate?.acquire();
    ctx.events.emit({ type: 'turn-sent', conversationId: c.id, step: step.step, model: c.model });
    let outcome: TurnOutcome;
    let own: Attempt[];
    try {
      const reply = await sendToTheEnd(params, send, ctx, run, worst).finally(() => run.gate?.release());
      own = reply.attempts;
      outcome = { kind: 'reply', ...reply, attempts: [...carried, ...own], priceFactor: 1 };
    } catch (e) {
      if (!(e instanceof TurnFailed)) throw e;
      own = e.attempts;
      outcome = { kind: 'failed', error: { type: e.type, message: e.message, status: e.status }, attempts: [...carried, ...own] };
    }
    carried = [];
    const applied = applyOutcome(t, asked, outcome, { profile, profiles: ctx.profiles, lastStep: step === lastStep, now: iso(now()) });
    const broken = worst === null ? [] : own.filter((a) => a.outcome === 'stream-error');
    for (const a of broken) a.charged_usd = worst!;
    hold?.settle((applied.costUsd ?? 0) + (broken.length - chargedBroken) * (worst ?? 0));
    reportRetries(ctx.events, c.id, step.step, outcome.attempts);
    // A turn that ends the conversation is written once, with the conversation's status.
    await ctx.store.writeTranscript(t);
    if (outcome.kind === 'reply') {
      // The turn is on disk already; a memory that could not take it errors the conversation
      // after the turn is reported (a resumed conversation goes on without that exchange in memory).
      const unobserved = await observe(applied.turn).then(
        () => undefined,
        (e: unknown) => e,
      );
      ctx.events.emit({
        type: 'turn-received',
        conversationId: c.id,
        step: step.step,
        usage: applied.turn.response!.usage,
        costUsd: applied.costUsd,
        latencyMs: outcome.latencyMs,
        stopReason: outcome.message.stop_reason,
      });
      if (unobserved !== undefined) {
        // After the conversation's last turn nothing recalls memory again: a warning, not an error.
        if (t.status === 'running') return memoryFailed(unobserved, step.step);
        if (!(unobserved instanceof MemoryFailed)) throw unobserved;
        ctx.events.emit({ type: 'warning', conversationId: c.id, message: `step ${step.step}: the ${condition} memory layer failed: ${unobserved.message}` });
      }
    } else {
      ctx.events.emit({ type: 'turn-failed', conversationId: c.id, step: step.step, message: outcome.error.message });
    }
    if (t.status !== 'running') return done();
  }
  return finish('complete', null);
}

/**
 * Sends a turn, and while the reply stops with pause_turn, sends its content back as the last
 * assistant message so the model can finish, as the docs say: "Send the assistant content back
 * to continue" (https://platform.claude.com/docs/en/api/handling-stop-reasons). At most
 * `run.continuations` times (the retry budget), each within the budget; the parts come back as
 * one reply (joinPaused). A reply still paused after that ends the conversation (applyOutcome).
 */
async function sendToTheEnd(params: MessageParams, send: SendContext, ctx: ReplayContext, run: RunSettings, worst: number | null): Promise<ProviderReply> {
  const parts = [await ctx.provider.send(params, send)];
  const extra: Reservation[] = [];
  try {
    while (parts.at(-1)!.message.stop_reason === 'pause_turn' && parts.length <= run.continuations) {
      // Each continuation is another request: the budget must cover its worst case too.
      const hold = worst === null ? null : await run.budget.acquire(worst);
      if (worst !== null && hold === null) break;
      if (hold) extra.push(hold);
      const sofar = parts.flatMap((p) => p.message.content).map(toRequestBlock);
      parts.push(await ctx.provider.send({ ...params, messages: [...params.messages, { role: 'assistant', content: sofar }] }, send));
    }
  } catch (e) {
    // A continuation that failed: the turn failed, with the attempts of every part before it.
    if (e instanceof TurnFailed) throw new TurnFailed(e.message, [...parts.flatMap((p) => p.attempts), ...e.attempts], e.status, e.type, { cause: e });
    throw e;
  } finally {
    // The turn's own reservation settles its whole cost; these only held room while in flight.
    for (const h of extra) h.settle(0);
  }
  return joinPaused(parts);
}

export function prefilledTurn(step: number, user: string, reply: string, effort: Effort, messages: ReturnType<typeof historyFor>): Turn {
  return {
    step,
    kind: 'prefilled',
    user,
    request: { params: {}, message_count: messages.length, messages_sha256: messagesHash(messages), dropped: [], requested: { effort, thinking: 'none' } },
    response: {
      id: null,
      model: null,
      request_id: null,
      content: [{ type: 'text', text: reply }],
      stop_reason: null,
      stop_details: null,
      usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, thinking_tokens: null },
    },
    timing: { started_at: null, ttft_ms: null, latency_ms: null },
    attempts: [],
    cost_usd: 0,
    provider_cost_usd: null,
    error: null,
  };
}

function reportRetries(events: ReplayEvents, conversationId: string, step: number, attempts: readonly Attempt[]): void {
  attempts.forEach((a, i) => {
    if (a.outcome === 'ok') return;
    events.emit({ type: 'turn-retried', conversationId, step, attempt: i + 1, status: a.status ?? null, reason: a.message ?? a.outcome });
  });
}
