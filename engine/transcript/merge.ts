import { TranscriptError, UsageError } from '../errors.js';
import type { RunManifest } from './format.js';
import { RunStore } from './run-store.js';

/**
 * Joins the shard directories of one plan (`run --shard k/n` on n machines) into one run
 * directory that reports and diffs as if it had run in one place. The shards must be all n
 * shards of the same plan; the merged plan's conversations come back in their original order.
 */
export async function mergeShards(dirs: readonly string[], out: RunStore, runId: string, now: () => number): Promise<RunManifest> {
  const shards = await Promise.all(dirs.map(async (d) => ({ store: new RunStore(d), manifest: await new RunStore(d).readManifest() })));
  const first = shards[0];
  if (!first) throw new UsageError('merge needs the shard directories');
  const count = first.manifest.plan.shard?.count;
  for (const s of shards) {
    if (!s.manifest.plan.shard) throw new UsageError(`${s.store.dir}: not a shard (its run had no --shard)`);
    if (s.manifest.plan.shard.count !== count) throw new UsageError(`${s.store.dir}: shard of ${s.manifest.plan.shard.count}, the others of ${count}`);
    if (planKey(s.manifest) !== planKey(first.manifest))
      throw new UsageError(`${s.store.dir}: its plan differs from ${first.store.dir}'s; shards of one run share scenarios, models, efforts, repeats and options`);
  }
  const byIndex = new Map(shards.map((s) => [s.manifest.plan.shard!.index, s]));
  const missing = Array.from({ length: count! }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (missing.length || byIndex.size !== shards.length)
    throw new UsageError(
      `merge needs each of shards 1..${count} exactly once; missing: ${missing.join(', ') || 'none'}, given: ${shards.map((s) => s.manifest.plan.shard!.index).join(', ')}`,
    );
  const total = first.manifest.plan.shard!.of;
  const conversations = Array.from({ length: total }, (_, i) => {
    const shard = byIndex.get((i % count!) + 1)!;
    const c = shard.manifest.plan.conversations[Math.floor(i / count!)];
    if (!c) throw new TranscriptError(`${shard.store.dir}: holds ${shard.manifest.plan.conversations.length} conversations, fewer than its share of ${total}`);
    return { c, shard };
  });

  await out.create();
  for (const s of first.manifest.plan.scenarios) await out.writeScenarioSnapshot(s.id, await first.store.readScenarioSnapshot(s.file));
  const statuses: Record<string, number> = { pending: 0, complete: 0, refused: 0, max_tokens: 0, errored: 0, stopped: 0 };
  for (const { c, shard } of conversations) {
    const t = await shard.store.readTranscript(c.id);
    if (!t) {
      statuses.pending!++;
      continue;
    }
    t.run_id = runId;
    await out.writeTranscript(t);
    statuses[t.status === 'running' ? 'pending' : t.status]!++;
  }
  const { shard: _shard, ...plan } = first.manifest.plan;
  const times = shards.map((s) => s.manifest);
  const done = statuses.complete! + statuses.refused! + statuses.max_tokens!;
  const manifest: RunManifest = {
    format: first.manifest.format,
    run_id: runId,
    engine_version: first.manifest.engine_version,
    created_at: times.map((m) => m.created_at).sort()[0]!,
    updated_at: new Date(now()).toISOString(),
    ended_at: times.every((m) => m.ended_at)
      ? times
          .map((m) => m.ended_at!)
          .sort()
          .at(-1)!
      : null,
    status: statuses.complete === total ? 'complete' : done + statuses.errored! === total ? 'partial' : 'interrupted',
    status_reason: `merged from ${count} shards`,
    plan: { ...plan, conversations: conversations.map(({ c }) => c) },
    counts: {
      conversations: total,
      pending: statuses.pending!,
      complete: statuses.complete!,
      refused: statuses.refused!,
      max_tokens: statuses.max_tokens!,
      errored: statuses.errored!,
      stopped: statuses.stopped!,
    },
    spent_usd: shards.reduce((n, s) => n + (s.manifest.spent_usd ?? 0), 0),
  };
  await out.writeManifest(manifest);
  return manifest;
}

function planKey(m: RunManifest): string {
  const { conversations: _c, shard: _s, concurrency: _k, base_url: _b, base_url_host: _h, max_cost_usd: _m, ...rest } = m.plan;
  return JSON.stringify(rest);
}
