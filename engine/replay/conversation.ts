import { turnCost } from '../models/cost.js';
import { findProfile, type Effort, type Profile } from '../models/profiles.js';
import type { PlannedConversation } from '../plan/plan.js';
import { TurnFailed, type Provider } from '../providers/types.js';
import { isGenerated, type LoadedScenario } from '../scenario/scenario.js';
import { ProviderError } from '../errors.js';
import { MEMORY_LAYERS } from '../memory/index.js';
import { distractorAnchor, distractorsFor, type Exchange } from '../plan/distractors.js';
import type { Distractors } from '../schemas/distractors.generated.js';
import { replyText, TRANSCRIPT_FORMAT, type Attempt, type Transcript, type Turn } from '../transcript/format.js';
import type { RunStore } from '../transcript/run-store.js';
import type { ReplayEvents } from './events.js';
import { Budget, worstCaseTurnCost } from './budget.js';
import type { RequestGate } from './request-gate.js';
import { buildParams, historyFor, messagesHash, storedParams, type SamplingOptions } from './request.js';

export interface ConversationDeps {
  runId: string;
  store: RunStore;
  provider: Provider;
  profiles: readonly Profile[];
  events: ReplayEvents;
  now: () => number;
  /** Checked before each turn: true stops the conversation cleanly (status stopped). */
  shouldStop: () => boolean;
  sampling?: SamplingOptions;
  signal?: AbortSignal;
  /** Put a cache_control breakpoint on the newest turn (default on; --no-prompt-cache). */
  promptCache: boolean;
  /** The hard budget, when --max-cost is set. */
  budget?: Budget;
  /** Adaptive limit on requests in flight. */
  gate?: RequestGate;
  /** The distractor corpus, for conversations with a distance. */
  distractors?: readonly Distractors[];
  env?: NodeJS.ProcessEnv;
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
    scenario: { id: l.scenario.id, hash: l.hash, title: l.scenario.title },
    cell: { model: c.model, effort: c.effort, repeat: c.repeat, ...(c.condition ? { condition: c.condition } : {}), ...(c.distance ? { distance: c.distance } : {}) },
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
export async function replayConversation(c: PlannedConversation, l: LoadedScenario, existing: Transcript | undefined, deps: ConversationDeps): Promise<Transcript> {
  const s = l.scenario;
  const t = existing ?? newTranscript(deps.runId, c, l, deps.provider);
  const profile = findProfile(deps.profiles, c.model);
  const condition = c.condition ?? 'baseline';
  const layerFactory = MEMORY_LAYERS[condition];
  if (!layerFactory) throw new ProviderError(`--condition ${condition}: unknown memory condition; choose one of ${Object.keys(MEMORY_LAYERS).join(', ')}`);
  const memory = layerFactory({ runId: deps.runId, conversationId: c.id, scenario: s, env: deps.env ?? {} });
  if (condition !== 'baseline') t.memory = { condition, source: memory.source };
  const anchor = distractorAnchor(s);
  const distance = c.distance ?? 0;
  const apiModel = deps.provider.apiModel?.(c.model, profile?.aliases ?? []) ?? c.model;
  t.model_requested = apiModel;
  let carried: Attempt[] = [];
  const last = t.turns.at(-1);
  if (last && last.response === null) {
    carried = last.attempts;
    t.turns.pop();
  }
  t.status = 'running';
  t.status_reason = null;
  t.started_at ??= iso(deps.now());
  t.ended_at = null;

  const end = (status: Transcript['status'], reason: string | null) => {
    t.status = status;
    t.status_reason = reason;
    t.ended_at = iso(deps.now());
  };
  const done = (): Transcript => {
    deps.events.emit({ type: 'conversation-done', conversationId: c.id, status: t.status, reason: t.status_reason });
    return t;
  };
  const finish = async (status: Transcript['status'], reason: string | null): Promise<Transcript> => {
    end(status, reason);
    await deps.store.writeTranscript(t);
    return done();
  };

  // Distractors go in once the anchor step is answered (and before anything else on resume).
  const addDistractors = async () => {
    if (distance > 0 && stepsDone(t) === anchor && !t.turns.some((x) => x.kind === 'distractor')) {
      t.turns.push(...distractorTurns(distractorsFor(deps.distractors ?? [], s, distance), anchor, c.effort, t.turns));
      await deps.store.writeTranscript(t);
    }
  };
  const observe = async (turn: Turn) => {
    if (turn.response) await memory.observe({ step: turn.step, user: turn.user, reply: replyText(turn) });
  };

  const lastStep = s.steps.at(-1);
  for (const step of s.steps.slice(stepsDone(t))) {
    await addDistractors();
    if (deps.shouldStop()) return finish('stopped', `stopped before step ${step.step}; resume to continue`);
    if (!isGenerated(s, step)) {
      t.turns.push(prefilledTurn(step.step, step.prompt, step.reply!, c.effort, historyFor(t.turns, step.prompt)));
      await observe(t.turns.at(-1)!);
      await deps.store.writeTranscript(t);
      continue;
    }
    const messages = historyFor(t.turns, step.prompt, deps.promptCache);
    // A memory layer adds its text to this turn's system prompt; the transcript keeps it.
    const injected = await memory.recall({ step: step.step, prompt: step.prompt });
    const system = injected === null ? t.system : t.system === null ? injected : `${t.system}\n\n${injected}`;
    const { params, dropped, thinking } = buildParams({ model: apiModel, effort: c.effort, profile, system, messages, sampling: deps.sampling });
    const request: Turn['request'] = { params: storedParams(params), message_count: messages.length, messages_sha256: messagesHash(messages), dropped, requested: { effort: c.effort, thinking }, ...(condition !== 'baseline' ? { injected } : {}) };
    // The budget: reserve this turn's worst case before sending, or stop here.
    const worst = deps.budget?.limitUsd != null ? worstCaseTurnCost(params, profile?.prices) : null;
    let reserved = 0;
    if (deps.budget && worst !== null) {
      if (!(await deps.budget.acquire(worst))) {
        return finish('stopped', `budget: step ${step.step} could cost up to $${worst.toFixed(4)}, more than is left (${deps.budget.describe()}, $${deps.budget.reserved.toFixed(4)} reserved by turns in flight); resume with a higher --max-cost`);
      }
      reserved = worst;
    }
    // Broken streams already charged by beforeRetry (their reservation turned into spending).
    let chargedBroken = 0;
    const settle = (attempts: readonly Attempt[], cost: number) => {
      if (!deps.budget) return;
      // A stream that broke after it began may have been billed; its reservation stays spent.
      const broken = worst === null ? [] : attempts.filter((a) => a.outcome === 'stream-error' && a.charged_usd === undefined);
      for (const a of broken) a.charged_usd = worst!;
      deps.budget.settle(reserved, cost + (broken.length - chargedBroken) * (worst ?? 0));
    };
    const ctx = {
      scenario: s,
      step: step.step,
      signal: deps.signal,
      onAttempt: (a: Attempt) => deps.gate?.observe(a.status ?? null, a.retry_after_s ?? null),
      beforeAttempt: async () => deps.gate?.paused(),
      beforeRetry: async () => {
        if (!deps.budget || worst === null) return true;
        // The broken attempt's reservation becomes spending first, so waiting for room never
        // waits on this turn's own reservation.
        deps.budget.settle(worst, worst);
        reserved -= worst;
        chargedBroken++;
        if (!(await deps.budget.acquire(worst))) return false;
        reserved += worst;
        return true;
      },
    };
    const started = deps.now();
    await deps.gate?.acquire();
    deps.events.emit({ type: 'turn-sent', conversationId: c.id, step: step.step, model: c.model });
    try {
      const reply = await deps.provider.send(params, ctx).finally(() => deps.gate?.release());
      const attempts = [...carried, ...reply.attempts];
      carried = [];
      reportRetries(deps.events, c.id, step.step, attempts);
      const cost = turnCost(profile?.prices ?? undefined, reply.usage);
      settle(reply.attempts, cost ?? 0);
      t.turns.push({
        step: step.step,
        kind: 'generated',
        user: step.prompt,
        request,
        response: { id: reply.id, model: reply.model, request_id: reply.requestId, content: reply.content, stop_reason: reply.stopReason, stop_details: reply.stopDetails, usage: reply.usage },
        timing: { started_at: iso(started), ttft_ms: reply.ttftMs, latency_ms: reply.latencyMs },
        attempts,
        cost_usd: cost,
        provider_cost_usd: reply.providerCostUsd,
        error: null,
      });
      t.model_returned = reply.model ?? t.model_returned;
      // A turn that ends the conversation is written once, with the conversation's status: one
      // fsynced write fewer per conversation on the path to the next one.
      if (reply.stopReason === 'refusal') {
        // A refused turn must be removed or rephrased before the conversation can go on.
        const why = typeof reply.stopDetails?.explanation === 'string' ? `: ${reply.stopDetails.explanation}` : '';
        end('refused', `step ${step.step} was refused${why}; the conversation cannot continue past a refusal`);
      } else if (reply.stopReason === 'max_tokens') {
        end('max_tokens', `step ${step.step} hit max_tokens (${params.max_tokens}); its reply is cut off, so later steps would build on a partial answer`);
      } else if (step === lastStep) {
        end('complete', null);
      }
      await deps.store.writeTranscript(t);
      await observe(t.turns.at(-1)!);
      deps.events.emit({ type: 'turn-received', conversationId: c.id, step: step.step, usage: reply.usage, costUsd: cost, latencyMs: reply.latencyMs, stopReason: reply.stopReason });
      if (t.status !== 'running') return done();
    } catch (e) {
      if (!(e instanceof TurnFailed)) throw e;
      settle(e.attempts, 0);
      const attempts = [...carried, ...e.attempts];
      reportRetries(deps.events, c.id, step.step, attempts);
      t.turns.push({
        step: step.step,
        kind: 'generated',
        user: step.prompt,
        request,
        response: null,
        timing: { started_at: iso(started), ttft_ms: null, latency_ms: null },
        attempts,
        cost_usd: null,
        provider_cost_usd: null,
        error: { type: e.type, message: e.message, status: e.status },
      });
      deps.events.emit({ type: 'turn-failed', conversationId: c.id, step: step.step, message: e.message });
      if (e.type === 'aborted') return finish('stopped', `interrupted during step ${step.step}; resume to continue`);
      if (e.type === 'budget_exceeded') return finish('stopped', `budget: step ${step.step}'s stream broke and the budget cannot cover a retry (${deps.budget?.describe() ?? ''}); resume with a higher --max-cost`);
      return finish('errored', `step ${step.step} failed after ${attempts.length} attempt(s): ${e.message}`);
    }
  }
  return finish('complete', null);
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
