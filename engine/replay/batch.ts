import { ProviderError } from '../errors.js';
import { turnCost } from '../models/cost.js';
import { findProfile, type Profile } from '../models/profiles.js';
import type { PlannedConversation } from '../plan/plan.js';
import type { BatchResult, MessageParams } from '../providers/types.js';
import { isGenerated, type LoadedScenario } from '../scenario/scenario.js';
import type { Attempt, RunManifest, Transcript, Usage } from '../transcript/format.js';
import type { Budget } from './budget.js';
import { worstCaseTurnCost } from './budget.js';
import { iso, newTranscript, prefilledTurn, stepsDone } from './conversation.js';
import { buildParams, historyFor, messagesHash, storedParams, type SamplingOptions } from './request.js';
import type { RunDeps } from './run.js';

/**
 * Message Batches are billed at half the standard price.
 * https://docs.anthropic.com/en/docs/build-with-claude/batch-processing#pricing
 */
export const BATCH_DISCOUNT = 0.5;

/** The run's own dependencies, plus what replayPlan has worked out for a batch run. */
export interface BatchDeps extends Pick<RunDeps, 'store' | 'provider' | 'profiles' | 'events' | 'now' | 'stop'> {
  manifest: RunManifest;
  scenarios: ReadonlyMap<string, LoadedScenario>;
  existing: ReadonlyMap<string, Transcript>;
  budget: Budget;
  promptCache: boolean;
  sampling?: SamplingOptions;
  maxRetries: number;
  pollMs: number;
  saveManifest: () => Promise<void>;
  /** Called when a conversation reaches its final status. */
  onDone: (t: Transcript) => void;
}


/**
 * A --batch run: steps advance in lockstep, one Message Batch per step (and retry round) for
 * every conversation at that step, each with its own custom_id. Results go into the same
 * transcripts as a streamed run writes, so scoring, reports and diffs do not care how a run was
 * made. Batch ids are in the manifest before anything is polled, so a resumed run collects a
 * batch it already paid for instead of sending it again. Expired and errored requests are
 * recorded on the turn and sent again in the next round, up to the retry budget.
 */
export async function runBatches(todo: readonly PlannedConversation[], d: BatchDeps): Promise<void> {
  const api = d.provider.batches;
  if (!api) throw new ProviderError(`--batch needs a provider with the Message Batches API; ${d.provider.name} has none`);
  const ts = new Map<string, Transcript>();
  const carried = new Map<string, Attempt[]>();
  const failures = new Map<string, number>();
  for (const c of todo) {
    const t = d.existing.get(c.id) ?? newTranscript(d.manifest.run_id, c, d.scenarios.get(c.scenario)!, d.provider);
    const last = t.turns.at(-1);
    if (last && last.response === null) carried.set(c.id, t.turns.pop()!.attempts);
    t.status = 'running';
    t.status_reason = null;
    t.started_at ??= iso(d.now());
    ts.set(c.id, t);
  }
  const byId = new Map(todo.map((c) => [c.id, c]));
  const active = () => [...ts.values()].filter((t) => t.status === 'running');
  const finish = async (t: Transcript, status: Transcript['status'], reason: string | null) => {
    t.status = status;
    t.status_reason = reason;
    t.ended_at = iso(d.now());
    await d.store.writeTranscript(t);
    d.events.emit({ type: 'conversation-done', conversationId: t.conversation_id, status, reason });
    d.onDone(t);
  };
  const steps = (t: Transcript) => d.scenarios.get(t.scenario.id)!.scenario.steps;
  const maxStep = Math.max(0, ...[...ts.values()].map((t) => steps(t).length));
  d.manifest.batches ??= [];

  for (let step = 1; step <= maxStep; step++) {
    for (;;) {
      for (const t of active()) {
        if (stepsDone(t) >= steps(t).length) await finish(t, 'complete', null);
      }
      if (d.stop.requested) {
        for (const t of active()) await finish(t, 'stopped', `stopped before step ${t.turns.length + 1}; resume to continue`);
        return;
      }
      // Prefilled steps need no request.
      for (const t of active()) {
        const s = d.scenarios.get(t.scenario.id)!.scenario;
        const st = s.steps[step - 1];
        if (st && stepsDone(t) === step - 1 && !isGenerated(s, st)) {
          t.turns.push(prefilledTurn(st.step, st.prompt, st.reply!, t.cell.effort, historyFor(t.turns, st.prompt, d.promptCache)));
          await d.store.writeTranscript(t);
        }
      }
      const due = active().filter((t) => stepsDone(t) === step - 1 && step <= steps(t).length);
      if (due.length === 0) break;

      const previous = d.manifest.batches.filter((b) => b.step === step);
      let record = previous.find((b) => b.status === 'submitted');
      const requests = new Map<string, Pending>();
      // Request bodies are rebuilt from the transcripts, so a resumed run rebuilds the same ones.
      for (const t of due) {
        const s = d.scenarios.get(t.scenario.id)!.scenario;
        const st = s.steps[step - 1]!;
        const c = byId.get(t.conversation_id)!;
        const profile = findProfile(d.profiles, c.model);
        const messages = historyFor(t.turns, st.prompt, d.promptCache);
        const apiModel = d.provider.apiModel?.(c.model, profile?.aliases ?? []) ?? c.model;
        const { params, dropped, thinking } = buildParams({ model: apiModel, effort: c.effort, profile, system: t.system, messages, sampling: d.sampling });
        const worst = d.budget.limitUsd !== null ? (worstCaseTurnCost(params, profile?.prices) ?? 0) * BATCH_DISCOUNT : 0;
        if (!record && !d.budget.reserve(worst)) {
          await finish(t, 'stopped', `budget: step ${step} could cost up to $${worst.toFixed(4)}, more than is left (${d.budget.describe()}); resume with a higher --max-cost`);
          continue;
        }
        const turn: Transcript['turns'][number] = {
          step,
          kind: 'generated',
          user: st.prompt,
          request: { params: storedParams(params), message_count: messages.length, messages_sha256: messagesHash(messages), dropped, requested: { effort: c.effort, thinking } },
          response: null,
          timing: { started_at: iso(d.now()), ttft_ms: null, latency_ms: null },
          attempts: [...(carried.get(t.conversation_id) ?? [])],
          cost_usd: null,
          provider_cost_usd: null,
          error: null,
        };
        requests.set(t.conversation_id, { t, turn, profile, reserved: record ? 0 : worst, params });
      }
      carried.clear();
      if (requests.size === 0) continue;
      if (!record) {
        const customIds: Record<string, string> = {};
        const body = [...requests.values()].map(({ t, params }, i) => {
          // custom_id must match ^[a-zA-Z0-9_-]{1,64}$; conversation ids may be longer.
          const customId = `s${step}r${previous.length + 1}c${i}`;
          customIds[customId] = t.conversation_id;
          return { custom_id: customId, params };
        });
        const { id } = await api.create(body);
        record = { id, step, round: previous.length + 1, custom_ids: customIds, status: 'submitted' };
        d.manifest.batches.push(record);
        await d.saveManifest();
        for (const { t } of requests.values()) d.events.emit({ type: 'turn-sent', conversationId: t.conversation_id, step, model: t.cell.model });
      }
      while ((await api.status(record.id)) !== 'ended') await new Promise((r) => setTimeout(r, d.pollMs));

      const seen = new Set<string>();
      for await (const { custom_id, result } of api.results(record.id)) {
        const conversationId = record.custom_ids[custom_id];
        const req = conversationId === undefined ? undefined : requests.get(conversationId);
        if (!req) continue;
        seen.add(conversationId!);
        await applyResult(req, result, record.id, custom_id, step, d, finish, failures, carried);
      }
      // A request the batch never reported is treated as expired.
      for (const [id, req] of requests) if (!seen.has(id)) await applyResult(req, { type: 'expired' }, record.id, '', step, d, finish, failures, carried);
      record.status = 'collected';
      await d.saveManifest();
    }
  }
  for (const t of active()) await finish(t, 'complete', null);
}

type Pending = { t: Transcript; turn: Transcript['turns'][number]; profile: Profile | undefined; reserved: number; params: MessageParams };

async function applyResult(
  req: Pending,
  result: BatchResult,
  batchId: string,
  customId: string,
  step: number,
  d: BatchDeps,
  finish: (t: Transcript, status: Transcript['status'], reason: string | null) => Promise<void>,
  failures: Map<string, number>,
  carried: Map<string, Attempt[]>,
): Promise<void> {
  const { t, turn, profile } = req;
  const at = iso(d.now());
  if (result.type === 'succeeded') {
    const m = result.message;
    const u = m.usage as Record<string, unknown>;
    const usage: Usage = {
      input_tokens: Number(u.input_tokens ?? 0),
      output_tokens: Number(u.output_tokens ?? 0),
      cache_creation_input_tokens: Number(u.cache_creation_input_tokens ?? 0),
      cache_read_input_tokens: Number(u.cache_read_input_tokens ?? 0),
      thinking_tokens: (u.output_tokens_details as { thinking_tokens?: number } | null | undefined)?.thinking_tokens ?? null,
    };
    const full = turnCost(profile?.prices ?? undefined, usage);
    const cost = full === null ? null : Math.round(full * BATCH_DISCOUNT * 1e8) / 1e8;
    d.budget.settle(req.reserved, cost ?? 0);
    turn.attempts.push({ at, outcome: 'ok', status: 200, request_id: null });
    turn.response = { id: m.id ?? null, model: m.model ?? null, request_id: null, content: m.content, stop_reason: m.stop_reason, stop_details: m.stop_details ?? null, usage };
    turn.cost_usd = cost;
    turn.batch = { id: batchId, custom_id: customId };
    t.turns.push(turn);
    t.model_returned = m.model ?? t.model_returned;
    await d.store.writeTranscript(t);
    d.events.emit({ type: 'turn-received', conversationId: t.conversation_id, step, usage, costUsd: cost, latencyMs: null, stopReason: m.stop_reason });
    if (m.stop_reason === 'refusal') await finish(t, 'refused', `step ${step} was refused; the conversation cannot continue past a refusal`);
    else if (m.stop_reason === 'max_tokens') await finish(t, 'max_tokens', `step ${step} hit max_tokens; its reply is cut off, so later steps would build on a partial answer`);
    return;
  }
  d.budget.settle(req.reserved, 0);
  const message = result.type === 'errored' ? `${result.error.error?.type ?? 'error'}: ${result.error.error?.message ?? 'batch request errored'}` : `batch request ${result.type}`;
  turn.attempts.push({ at, outcome: `batch-${result.type}`, status: null, request_id: null, message });
  turn.error = { type: `batch_${result.type}`, message, status: null };
  d.events.emit({ type: 'turn-retried', conversationId: t.conversation_id, step, attempt: turn.attempts.length, status: null, reason: message });
  const n = (failures.get(t.conversation_id) ?? 0) + 1;
  failures.set(t.conversation_id, n);
  if (n > d.maxRetries) {
    t.turns.push(turn);
    await finish(t, 'errored', `step ${step} failed in ${n} batch round(s): ${message}`);
    return;
  }
  // Sent again in the next round. The failed turn is on disk meanwhile (a resumed run carries
  // its attempts on), and its attempts move onto the next round's turn.
  carried.set(t.conversation_id, turn.attempts);
  await d.store.writeTranscript({ ...t, turns: [...t.turns, turn] });
}
