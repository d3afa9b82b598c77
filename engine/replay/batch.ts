import { ProviderError } from '../errors.js';
import { findProfile, type Profile } from '../models/profiles.js';
import type { PlannedConversation } from '../plan/plan.js';
import type { BatchResultLine, MessageParams } from '../providers/types.js';
import { isGenerated, type LoadedScenario } from '../scenario/scenario.js';
import type { Attempt, RunManifest, Transcript } from '../transcript/format.js';
import { worstCaseTurnCost, type Reservation } from './budget.js';
import type { ReplayContext } from './context.js';
import { iso, newTranscript, prefilledTurn, stepsDone, type RunSettings } from './conversation.js';
import { applyOutcome, BATCH_DISCOUNT, failedTurn, type AskedTurn, type TurnOutcome } from './outcome.js';
import { buildParams, historyFor, storedRequest } from './request.js';

/** What replayPlan hands a batch run besides the context and the run's settings. */
export interface BatchRun {
  manifest: RunManifest;
  scenarios: ReadonlyMap<string, LoadedScenario>;
  existing: ReadonlyMap<string, Transcript>;
  maxRetries: number;
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
export async function runBatches(todo: readonly PlannedConversation[], ctx: ReplayContext, run: RunSettings, d: BatchRun): Promise<void> {
  const api = ctx.provider.batches;
  if (!api) throw new ProviderError(`--batch needs a provider with the Message Batches API; ${ctx.provider.name} has none`);
  const ts = new Map<string, Transcript>();
  const carried = new Map<string, Attempt[]>();
  const failures = new Map<string, number>();
  for (const c of todo) {
    const t = d.existing.get(c.id) ?? newTranscript(d.manifest.run_id, c, d.scenarios.get(c.scenario)!, ctx.provider);
    const last = t.turns.at(-1);
    if (last && last.response === null) carried.set(c.id, t.turns.pop()!.attempts);
    t.status = 'running';
    t.status_reason = null;
    t.started_at ??= iso(ctx.clock.now());
    ts.set(c.id, t);
  }
  const byId = new Map(todo.map((c) => [c.id, c]));
  const active = () => [...ts.values()].filter((t) => t.status === 'running');
  const finish = async (t: Transcript, status: Transcript['status'], reason: string | null) => {
    t.status = status;
    t.status_reason = reason;
    t.ended_at = iso(ctx.clock.now());
    await ctx.store.writeTranscript(t);
    done(t);
  };
  const done = (t: Transcript) => {
    ctx.events.emit({ type: 'conversation-done', conversationId: t.conversation_id, status: t.status, reason: t.status_reason });
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
      if (ctx.stop.requested) {
        for (const t of active()) await finish(t, 'stopped', `stopped before step ${t.turns.length + 1}; resume to continue`);
        return;
      }
      // Prefilled steps need no request.
      for (const t of active()) {
        const s = d.scenarios.get(t.scenario.id)!.scenario;
        const st = s.steps[step - 1];
        if (st && stepsDone(t) === step - 1 && !isGenerated(s, st)) {
          t.turns.push(prefilledTurn(st.step, st.prompt, st.reply!, t.cell.effort, historyFor(t.turns, st.prompt, run.promptCache)));
          await ctx.store.writeTranscript(t);
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
        const profile = findProfile(ctx.profiles, c.model);
        const messages = historyFor(t.turns, st.prompt, run.promptCache);
        const apiModel = ctx.provider.apiModel?.(c.model, profile?.aliases ?? []) ?? c.model;
        const built = buildParams({ model: apiModel, effort: c.effort, profile, system: t.system, messages, sampling: run.sampling });
        const { params } = built;
        const worst = run.budget.limitUsd !== null ? (worstCaseTurnCost(params, profile?.prices) ?? 0) * BATCH_DISCOUNT : 0;
        // A batch already submitted (found on resume) was reserved for by the run that sent it.
        const hold = run.budget.reserve(record ? 0 : worst);
        if (!hold) {
          await finish(t, 'stopped', `budget: step ${step} could cost up to $${worst.toFixed(4)}, more than is left (${run.budget.describe()}); resume with a higher --max-cost`);
          continue;
        }
        const asked: AskedTurn = {
          step,
          user: st.prompt,
          request: storedRequest(built, messages, c.effort),
          maxTokens: params.max_tokens,
          model: params.model,
          startedAt: iso(ctx.clock.now()),
        };
        requests.set(t.conversation_id, { t, asked, attempts: [...(carried.get(t.conversation_id) ?? [])], profile, hold, params });
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
        for (const { t } of requests.values()) ctx.events.emit({ type: 'turn-sent', conversationId: t.conversation_id, step, model: t.cell.model });
      }
      while ((await api.status(record.id)) !== 'ended') await ctx.clock.sleep(ctx.batchPollMs);

      const seen = new Set<string>();
      const collect = (req: Pending, line: BatchResultLine) => applyResult(req, line, record.id, step, { ctx, run, maxRetries: d.maxRetries, done, failures, carried });
      for await (const line of api.results(record.id)) {
        const conversationId = record.custom_ids[line.custom_id];
        const req = conversationId === undefined ? undefined : requests.get(conversationId);
        if (!req) continue;
        seen.add(conversationId!);
        await collect(req, line);
      }
      // A request the batch never reported is treated as expired.
      for (const [id, req] of requests) if (!seen.has(id)) await collect(req, { custom_id: '', result: { type: 'expired' } });
      record.status = 'collected';
      await d.saveManifest();
    }
  }
  for (const t of active()) await finish(t, 'complete', null);
}

type Pending = { t: Transcript; asked: AskedTurn; attempts: Attempt[]; profile: Profile | undefined; hold: Reservation; params: MessageParams };

interface Collecting {
  ctx: ReplayContext;
  run: RunSettings;
  maxRetries: number;
  done: (t: Transcript) => void;
  failures: Map<string, number>;
  carried: Map<string, Attempt[]>;
}

/** One result line: a reply ends the turn like a streamed one; a failure is sent again next round, within the retries. */
async function applyResult(req: Pending, line: BatchResultLine, batchId: string, step: number, c: Collecting): Promise<void> {
  const { t, asked, profile } = req;
  const { ctx } = c;
  const at = iso(ctx.clock.now());
  const result = line.result;
  if (result.type === 'succeeded') {
    const m = result.message;
    const outcome: TurnOutcome = {
      kind: 'reply',
      message: m,
      requestId: null,
      ttftMs: null,
      latencyMs: null,
      attempts: [...req.attempts, { at, outcome: 'ok', status: 200, request_id: null }],
      providerCostUsd: null,
      priceFactor: BATCH_DISCOUNT,
      batch: { id: batchId, custom_id: line.custom_id },
    };
    const applied = applyOutcome(t, asked, outcome, { profile, profiles: ctx.profiles, lastStep: false, now: at });
    req.hold.settle(applied.costUsd ?? 0);
    await ctx.store.writeTranscript(t);
    ctx.events.emit({
      type: 'turn-received',
      conversationId: t.conversation_id,
      step,
      usage: applied.turn.response!.usage,
      costUsd: applied.costUsd,
      latencyMs: null,
      stopReason: m.stop_reason,
    });
    if (applied.status !== 'running') c.done(t);
    return;
  }
  req.hold.settle(0);
  const message = result.type === 'errored' ? `${result.error.error.type}: ${result.error.error.message}` : `batch request ${result.type}`;
  const attempts: Attempt[] = [...req.attempts, { at, outcome: `batch-${result.type}`, status: null, request_id: null, message }];
  ctx.events.emit({ type: 'turn-retried', conversationId: t.conversation_id, step, attempt: attempts.length, status: null, reason: message });
  const n = (c.failures.get(t.conversation_id) ?? 0) + 1;
  c.failures.set(t.conversation_id, n);
  if (n > c.maxRetries) {
    applyOutcome(
      t,
      asked,
      { kind: 'failed', error: { type: `batch_${result.type}`, message, status: null }, attempts, tries: { count: n, unit: 'batch round' } },
      { profile, profiles: ctx.profiles, lastStep: false, now: at },
    );
    await ctx.store.writeTranscript(t);
    c.done(t);
    return;
  }
  // Sent again in the next round. The failed turn is on disk meanwhile (a resumed run carries
  // its attempts on), and its attempts move onto the next round's turn.
  c.carried.set(t.conversation_id, attempts);
  await ctx.store.writeTranscript({ ...t, turns: [...t.turns, failedTurn(asked, attempts, { type: `batch_${result.type}`, message, status: null })] });
}
