import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { safeName } from '../../plan/plan.js';
import { mergeShards } from '../../transcript/merge.js';
import type { RunManifest } from '../../transcript/format.js';
import { RunStore } from '../../transcript/run-store.js';
import type { Output } from '../output.js';

/** `driftbench merge`: the shard directories of one plan (run --shard k/n) joined into a new run directory. */
export async function mergeCommand(o: { shards: string[]; out: string }, deps: { output: Output; cwd: string; now: () => number }): Promise<RunManifest> {
  const outDir = resolve(deps.cwd, o.out);
  const store = new RunStore(outDir);
  if (existsSync(store.path('manifest.json'))) throw new UsageError(`${o.out} already holds a run; merge into a new directory`);
  const m = await mergeShards(
    o.shards.map((s) => resolve(deps.cwd, s)),
    store,
    safeName(basename(outDir)),
    deps.now,
  );
  deps.output.out(`merged ${o.shards.length} shards into ${o.out}: ${m.counts.conversations} conversations (${m.counts.complete} complete), status ${m.status}`);
  return m;
}
