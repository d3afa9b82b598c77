import pLimit from 'p-limit';
import { resumeCommand } from './resume-command.js';
import { StorageError, TranscriptError } from '../errors.js';
import type { ResolvedModel } from '../models/capabilities.js';
import type { Plan } from '../plan/plan.js';
import type { LoadedScenario } from '../scenario/scenario.js';
import { FINISHED, MANIFEST_FORMAT, type RunManifest, type Transcript } from '../transcript/format.js';
import { loadRunScenarios } from '../transcript/run-scenarios.js';
import { loadDistractors } from '../plan/distractors.js';
import { MEMORY_LAYERS } from '../memory/index.js';
import { runBatches } from './batch.js';
import { Budget } from './budget.js';
import type { ReplayContext } from './context.js';
import { iso, replayConversation, type RunSettings } from './conversation.js';
import { RequestGate } from './request-gate.js';
import type { SamplingOptions } from './request.js';

export { stopControl, type StopControl } from './context.js';

/** Starts a new run: snapshots the scenarios into the run directory, writes the manifest, replays. */
export async function startRun(runId: string, plan: Plan, suite: readonly LoadedScenario[], ctx: ReplayContext, extra: { models?: ResolvedModel[] } = {}): Promise<RunManifest> {
  const byId = new Map(suite.map((l) => [l.scenario.id, l]));
  checkMemoryConditions(runId, plan.conversations, byId, ctx);
  await ctx.store.create();
  for (const s of plan.scenarios) {
    // The bytes the scenario was validated and hashed from: read once, so snapshot and hash agree.
    const l = byId.get(s.id);
    if (!l) throw new TranscriptError(`the plan names scenario ${s.id}, which is not in the suite`);
    await ctx.store.writeScenarioSnapshot(s.id, l.bytes);
  }
  const created = iso(ctx.clock.now());
  const manifest: RunManifest = {
    format: MANIFEST_FORMAT,
    run_id: runId,
    engine_version: ctx.engineVersion,
    created_at: created,
    updated_at: created,
    ended_at: null,
    status: 'running',
    status_reason: null,
    plan,
    counts: { conversations: plan.conversations.length, pending: plan.conversations.length, complete: 0, refused: 0, max_tokens: 0, errored: 0, stopped: 0 },
    ...(extra.models ? { models: extra.models } : {}),
  };
  await ctx.store.writeManifest(manifest);
  return replayPlan(manifest, byId, new Map(), false, ctx);
}

/** Continues a run exactly where it stopped: finished conversations are left alone. */
export async function resumeRun(ctx: ReplayContext, opts: { maxCostUsd?: number } = {}): Promise<RunManifest> {
  const manifest = await ctx.store.readManifest();
  const orphans = await ctx.store.removeOrphanTempFiles();
  if (orphans.length > 0) ctx.events.emit({ type: 'warning', message: `removed ${orphans.length} temp file(s) left by writes that never finished: ${orphans.join(', ')}` });
  const scenarios = await loadRunScenarios(ctx.store, manifest.plan);
  checkMemoryConditions(manifest.run_id, manifest.plan.conversations, scenarios, ctx);
  const existing = new Map<string, Transcript>();
  for (const c of manifest.plan.conversations) {
    const t = await ctx.store.readTranscript(c.id);
    if (t) existing.set(c.id, t);
  }
  manifest.status = 'running';
  manifest.status_reason = null;
  manifest.ended_at = null;
  // --max-cost given now overrides the plan's budget (a resume may raise it).
  if (opts.maxCostUsd !== undefined) manifest.plan.max_cost_usd = opts.maxCostUsd;
  return replayPlan(manifest, scenarios, existing, true, ctx);
}

async function replayPlan(
  manifest: RunManifest,
  scenarios: ReadonlyMap<string, LoadedScenario>,
  existing: ReadonlyMap<string, Transcript>,
  resumed: boolean,
  ctx: ReplayContext,
): Promise<RunManifest> {
  const plan = manifest.plan;
  const statuses = new Map(plan.conversations.map((c) => [c.id, existing.get(c.id)?.status ?? 'pending']));
  const todo = plan.conversations.filter((c) => !FINISHED.has(statuses.get(c.id)!));
  ctx.events.emit({ type: 'run-started', runId: manifest.run_id, dir: ctx.store.dir, conversations: plan.conversations.length, pending: todo.length, resumed });

  // Manifest writes are serialised, and coalesced: conversations finish concurrently, and while
  // one write is on its way any number of requests share the single write queued behind it,
  // which takes the state as it is when it starts. Every caller's state is on disk when its
  // promise resolves.
  let inFlight: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const writeNow = (): Promise<void> => {
    manifest.counts = countStatuses(statuses);
    manifest.updated_at = iso(ctx.clock.now());
    const p = ctx.store.writeManifest(manifest).finally(() => {
      if (inFlight === p) inFlight = null;
    });
    inFlight = p;
    return p;
  };
  const saveManifest = (): Promise<void> => {
    if (queued) return queued;
    if (!inFlight) return writeNow();
    const q = inFlight
      .catch(() => {})
      .then(() => {
        queued = null;
        return writeNow();
      });
    queued = q;
    return q;
  };
  await saveManifest();

  const limitUsd = plan.max_cost_usd ?? null;
  // What the run spent before (on resume): the turns' costs and the failed streams' reservations.
  const spentBefore = [...existing.values()].reduce(
    (n, t) => n + t.turns.reduce((m, turn) => m + (turn.cost_usd ?? 0) + turn.attempts.reduce((k, a) => k + (a.charged_usd ?? 0), 0), 0),
    0,
  );
  const run: RunSettings = {
    runId: manifest.run_id,
    sampling: (plan.options?.sampling ?? undefined) as SamplingOptions | undefined,
    promptCache: plan.prompt_cache ?? true,
    continuations: plan.max_retries ?? 4,
    budget: new Budget(limitUsd, spentBefore),
    gate: new RequestGate(plan.concurrency, ctx.clock.now),
    distractors: plan.conversations.some((c) => (c.distance ?? 0) > 0) ? loadDistractors() : [],
  };
  const budget = run.budget;
  const limit = pLimit(plan.concurrency);
  const budgetStops: string[] = [];
  const manifestWrites: Promise<void>[] = [];
  let manifestError: unknown;
  // A full disk (or another I/O failure) stops the run: no new turn starts, the turns in flight
  // end (their writes fail the same way, and are caught here too), and the manifest says
  // interrupted with the command that resumes. Transcripts on disk are whole (atomic writes),
  // so resume carries on from the last turn that was written. Any other error is thrown on.
  let storageError: StorageError | undefined;
  const onStorageError = (e: unknown) => {
    if (!(e instanceof StorageError)) throw e;
    storageError ??= e;
    ctx.stop.requested = true;
    ctx.stop.reason ??= e.message;
  };
  const onDone = (t: Transcript) => {
    if (t.status === 'stopped' && t.status_reason?.startsWith('budget')) budgetStops.push(t.status_reason);
    statuses.set(t.conversation_id, t.status);
    // Not awaited by the conversation: the transcript already holds its outcome (resume reads
    // statuses from transcripts), so the slot goes on to the next conversation while the
    // manifest's counts are written. The last save below waits for every write.
    manifestWrites.push(
      saveManifest().catch((e: unknown) => {
        if (e instanceof StorageError) onStorageError(e);
        else manifestError ??= e;
      }),
    );
  };
  if (plan.mode === 'batch') {
    await runBatches(todo, ctx, run, { manifest, scenarios, existing, maxRetries: plan.max_retries ?? 4, saveManifest, onDone }).catch(onStorageError);
  } else {
    await Promise.all(
      todo.map((c) =>
        limit(async () => {
          if (ctx.stop.requested) return;
          const l = scenarios.get(c.scenario);
          if (!l) throw new TranscriptError(`conversation ${c.id}: scenario ${c.scenario} is not in the run`);
          await replayConversation(c, l, existing.get(c.id), ctx, run).then(onDone, onStorageError);
        }),
      ),
    );
  }

  await Promise.all(manifestWrites);
  if (manifestError !== undefined) throw manifestError;
  const counts = countStatuses(statuses);
  const unfinished = counts.pending + counts.stopped;
  manifest.spent_usd = Math.round(budget.spentUsd * 1e8) / 1e8;
  if (budgetStops.length > 0) {
    manifest.status = 'interrupted';
    manifest.status_reason = `budget exhausted: ${budgetStops.length} conversation(s) stopped before a turn that could have gone over --max-cost $${limitUsd}; spent $${manifest.spent_usd.toFixed(4)}. Resume with a higher --max-cost to carry on`;
  } else if (storageError !== undefined) {
    manifest.status = 'interrupted';
    manifest.status_reason = storageError.withNext(`free space, then: ${resumeCommand(manifest, ctx.store.dir)}`).message;
  } else if (ctx.stop.requested && unfinished > 0) {
    manifest.status = 'interrupted';
    manifest.status_reason = ctx.stop.reason ?? 'interrupted';
  } else if (counts.complete === counts.conversations) {
    manifest.status = 'complete';
    manifest.status_reason = null;
  } else {
    manifest.status = 'partial';
    manifest.status_reason = [
      counts.errored && `${counts.errored} errored`,
      counts.refused && `${counts.refused} refused`,
      counts.max_tokens && `${counts.max_tokens} hit max_tokens`,
    ]
      .filter(Boolean)
      .join(', ');
  }
  manifest.ended_at = manifest.status === 'interrupted' ? null : iso(ctx.clock.now());
  if (storageError !== undefined) {
    // The manifest may not be writable either (the disk is still full): then it keeps the last
    // state written, `running`, and resume, which trusts the transcripts, is still exact.
    const written = await saveManifest().then(
      () => true,
      () => false,
    );
    ctx.events.emit({ type: 'run-done', manifest });
    throw storageError.withNext(
      `${written ? 'the run is marked interrupted' : 'the manifest could not be updated either (it still says running)'}; free space, then: ${resumeCommand(manifest, ctx.store.dir)}`,
    );
  }
  await saveManifest();
  ctx.events.emit({ type: 'run-done', manifest });
  return manifest;
}

/**
 * A memory condition set up wrongly (the mem0 condition without MEM0_API_KEY) is refused before
 * anything is written or sent: its factory throws, as it would for every conversation. Making a
 * layer connects to nothing (mem0.ts connects on first use), so this costs no request. What
 * fails later, in one conversation, errors only that conversation (conversation.ts).
 */
function checkMemoryConditions(runId: string, conversations: Plan['conversations'], scenarios: ReadonlyMap<string, LoadedScenario>, ctx: ReplayContext): void {
  const checked = new Set<string>();
  for (const c of conversations) {
    const condition = c.condition ?? 'baseline';
    const l = scenarios.get(c.scenario);
    if (checked.has(condition) || !l) continue;
    checked.add(condition);
    MEMORY_LAYERS[condition]?.({ runId, conversationId: c.id, scenario: l.scenario, settings: ctx.memory });
  }
}

function countStatuses(statuses: ReadonlyMap<string, Transcript['status']>): RunManifest['counts'] {
  const counts = { conversations: statuses.size, pending: 0, complete: 0, refused: 0, max_tokens: 0, errored: 0, stopped: 0 };
  for (const s of statuses.values()) {
    if (s === 'pending' || s === 'running') counts.pending++;
    else counts[s]++;
  }
  return counts;
}
