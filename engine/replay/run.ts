import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { TranscriptError } from '../errors.js';
import type { Profile } from '../models/profiles.js';
import type { Plan } from '../plan/plan.js';
import type { Provider } from '../providers/types.js';
import type { LoadedScenario } from '../scenario/scenario.js';
import { FINISHED, MANIFEST_FORMAT, type RunManifest, type Transcript } from '../transcript/format.js';
import type { RunStore } from '../transcript/run-store.js';
import { loadRunScenarios } from '../transcript/run-scenarios.js';
import { loadDistractors } from '../plan/distractors.js';
import { runBatches } from './batch.js';
import { Budget } from './budget.js';
import { iso, replayConversation } from './conversation.js';
import { RequestGate } from './request-gate.js';
import type { ReplayEvents } from './events.js';
import type { SamplingOptions } from './request.js';

/** Asks a run to stop starting turns; the turns in flight finish and are written. */
export interface StopControl {
  requested: boolean;
  reason: string | null;
  /** Aborts requests in flight too (a second Ctrl-C). */
  abort: AbortController;
}

export function stopControl(): StopControl {
  const abort = new AbortController();
  // Every request in flight listens on this one signal; dozens at once are expected, not a leak.
  setMaxListeners(0, abort.signal);
  return { requested: false, reason: null, abort };
}

export interface RunDeps {
  /** --max-cost given now; overrides the plan's budget (a resume may raise it). */
  maxCostUsd?: number | null;
  store: RunStore;
  provider: Provider;
  profiles: readonly Profile[];
  events: ReplayEvents;
  now: () => number;
  stop: StopControl;
  engineVersion: string;
  /** How often a --batch run polls a batch (default 30 s; tests use a few ms). */
  batchPollMs?: number;
  /** For memory layers that need credentials (MEM0_API_KEY). */
  env?: NodeJS.ProcessEnv;
}


/** Starts a new run: snapshots the scenarios into the run directory, writes the manifest, replays. */
export async function startRun(runId: string, plan: Plan, suite: readonly LoadedScenario[], bytes: ReadonlyMap<string, Uint8Array>, deps: RunDeps): Promise<RunManifest> {
  await deps.store.create();
  for (const s of plan.scenarios) {
    const b = bytes.get(s.id);
    if (b === undefined) throw new Error(`no bytes for scenario ${s.id}`);
    await deps.store.writeScenarioSnapshot(s.id, b);
  }
  const created = iso(deps.now());
  const manifest: RunManifest = {
    format: MANIFEST_FORMAT,
    run_id: runId,
    engine_version: deps.engineVersion,
    created_at: created,
    updated_at: created,
    ended_at: null,
    status: 'running',
    status_reason: null,
    plan,
    counts: { conversations: plan.conversations.length, pending: plan.conversations.length, complete: 0, refused: 0, max_tokens: 0, errored: 0, stopped: 0 },
  };
  await deps.store.writeManifest(manifest);
  const byId = new Map(suite.map((l) => [l.scenario.id, l]));
  return replayPlan(manifest, byId, new Map(), false, deps);
}

/** Continues a run exactly where it stopped: finished conversations are left alone. */
export async function resumeRun(deps: RunDeps): Promise<RunManifest> {
  const manifest = await deps.store.readManifest();
  const scenarios = await loadRunScenarios(deps.store, manifest.plan);
  const existing = new Map<string, Transcript>();
  for (const c of manifest.plan.conversations) {
    const t = await deps.store.readTranscript(c.id);
    if (t) existing.set(c.id, t);
  }
  manifest.status = 'running';
  manifest.status_reason = null;
  manifest.ended_at = null;
  return replayPlan(manifest, scenarios, existing, true, deps);
}

async function replayPlan(manifest: RunManifest, scenarios: ReadonlyMap<string, LoadedScenario>, existing: ReadonlyMap<string, Transcript>, resumed: boolean, deps: RunDeps): Promise<RunManifest> {
  const plan = manifest.plan;
  const statuses = new Map(plan.conversations.map((c) => [c.id, existing.get(c.id)?.status ?? 'pending']));
  const todo = plan.conversations.filter((c) => !FINISHED.has(statuses.get(c.id)!));
  deps.events.emit({ type: 'run-started', runId: manifest.run_id, dir: deps.store.dir, conversations: plan.conversations.length, pending: todo.length, resumed });

  // Manifest writes are serialised, and coalesced: conversations finish concurrently, and while
  // one write is on its way any number of requests share the single write queued behind it,
  // which takes the state as it is when it starts. Every caller's state is on disk when its
  // promise resolves.
  let inFlight: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const writeNow = (): Promise<void> => {
    manifest.counts = countStatuses(statuses);
    manifest.updated_at = iso(deps.now());
    const p = deps.store.writeManifest(manifest).finally(() => {
      if (inFlight === p) inFlight = null;
    });
    inFlight = p;
    return p;
  };
  const saveManifest = (): Promise<void> => {
    if (queued) return queued;
    if (!inFlight) return writeNow();
    const q = inFlight.catch(() => {}).then(() => {
      queued = null;
      return writeNow();
    });
    queued = q;
    return q;
  };
  await saveManifest();

  if (deps.maxCostUsd !== undefined) plan.max_cost_usd = deps.maxCostUsd;
  const limitUsd = plan.max_cost_usd ?? null;
  // What the run spent before (on resume): the turns' costs and the failed streams' reservations.
  const spentBefore = [...existing.values()].reduce(
    (n, t) => n + t.turns.reduce((m, turn) => m + (turn.cost_usd ?? 0) + turn.attempts.reduce((k, a) => k + (a.charged_usd ?? 0), 0), 0),
    0,
  );
  // Always kept, to know what the run spent; it only refuses turns when a limit is set.
  const budget = new Budget(limitUsd, spentBefore);
  const gate = new RequestGate(plan.concurrency, deps.now);
  const distractors = plan.conversations.some((c) => (c.distance ?? 0) > 0) ? loadDistractors() : [];
  const limit = pLimit(plan.concurrency);
  const sampling = (plan.options?.sampling ?? undefined) as SamplingOptions | undefined;
  const budgetStops: string[] = [];
  const manifestWrites: Promise<void>[] = [];
  let manifestError: unknown;
  if (plan.mode === 'batch') {
    await runBatches(todo, {
      manifest, scenarios, existing, store: deps.store, provider: deps.provider, profiles: deps.profiles, events: deps.events, now: deps.now, stop: deps.stop, budget,
      promptCache: plan.prompt_cache ?? true, sampling, maxRetries: plan.max_retries ?? 4, pollMs: deps.batchPollMs ?? 30_000, saveManifest,
      onDone: (t) => {
        if (t.status === 'stopped' && t.status_reason?.startsWith('budget')) budgetStops.push(t.status_reason);
        statuses.set(t.conversation_id, t.status);
      },
    });
  } else await Promise.all(
    todo.map((c) =>
      limit(async () => {
        if (deps.stop.requested) return;
        const l = scenarios.get(c.scenario);
        if (!l) throw new TranscriptError(`conversation ${c.id}: scenario ${c.scenario} is not in the run`);
        const t = await replayConversation(c, l, existing.get(c.id), {
          runId: manifest.run_id,
          store: deps.store,
          provider: deps.provider,
          profiles: deps.profiles,
          events: deps.events,
          now: deps.now,
          shouldStop: () => deps.stop.requested,
          sampling,
          signal: deps.stop.abort.signal,
          promptCache: plan.prompt_cache ?? true,
          budget,
          gate,
          distractors,
          env: deps.env,
        });
        if (t.status === 'stopped' && t.status_reason?.startsWith('budget')) budgetStops.push(t.status_reason);
        statuses.set(c.id, t.status);
        // Not awaited here: the transcript already holds the conversation's outcome (resume reads
        // statuses from transcripts), so the slot goes on to the next conversation while the
        // manifest's counts are written. The last save below waits for every write.
        manifestWrites.push(saveManifest().catch((e: unknown) => void (manifestError ??= e)));
      }),
    ),
  );

  await Promise.all(manifestWrites);
  if (manifestError !== undefined) throw manifestError;
  const counts = countStatuses(statuses);
  const unfinished = counts.pending + counts.stopped;
  manifest.spent_usd = Math.round(budget.spentUsd * 1e8) / 1e8;
  if (budgetStops.length > 0) {
    manifest.status = 'interrupted';
    manifest.status_reason = `budget exhausted: ${budgetStops.length} conversation(s) stopped before a turn that could have gone over --max-cost $${limitUsd}; spent $${manifest.spent_usd.toFixed(4)}. Resume with a higher --max-cost to carry on`;
  } else if (deps.stop.requested && unfinished > 0) {
    manifest.status = 'interrupted';
    manifest.status_reason = deps.stop.reason ?? 'interrupted';
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
  manifest.ended_at = manifest.status === 'interrupted' ? null : iso(deps.now());
  await saveManifest();
  deps.events.emit({ type: 'run-done', manifest });
  return manifest;
}

function countStatuses(statuses: ReadonlyMap<string, Transcript['status']>): RunManifest['counts'] {
  const counts = { conversations: statuses.size, pending: 0, complete: 0, refused: 0, max_tokens: 0, errored: 0, stopped: 0 };
  for (const s of statuses.values()) {
    if (s === 'pending' || s === 'running') counts.pending++;
    else counts[s]++;
  }
  return counts;
}
