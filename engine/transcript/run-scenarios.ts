import { TranscriptError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import type { LoadedScenario } from '../scenario/scenario.js';
import { validateScenarioBytes } from '../scenario/validate.js';
import type { RunStore } from './run-store.js';

/** The scenarios a run used, from its own snapshots, checked against the hashes in its manifest. */
export async function loadRunScenarios(store: RunStore, plan?: Plan): Promise<Map<string, LoadedScenario>> {
  plan ??= (await store.readManifest()).plan;
  const out = new Map<string, LoadedScenario>();
  for (const s of plan.scenarios) {
    const bytes = await store.readScenarioSnapshot(s.file);
    const v = validateScenarioBytes(store.path(s.file), bytes);
    if (!v.loaded) throw new TranscriptError(`${store.path(s.file)}: the run's scenario snapshot is invalid: ${v.problems[0]?.message ?? 'unknown problem'}`);
    if (v.loaded.hash !== s.hash)
      throw new TranscriptError(`${store.path(s.file)}: the scenario snapshot changed since the run started (hash mismatch); a resumed run must replay what it started with`);
    out.set(s.id, v.loaded);
  }
  return out;
}
