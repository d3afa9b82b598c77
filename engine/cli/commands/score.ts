import { relative } from 'node:path';
import { TranscriptError } from '../../errors.js';
import { loadRunScenarios } from '../../transcript/run-scenarios.js';
import { loadSuite } from '../../scenario/scenario-files.js';
import type { Judge } from '../../score/judge.js';
import { resolveTargets, scoreTarget, type ScoreResult } from '../../score/score-run.js';
import type { Output } from '../output.js';
import { resolveRuns } from '../latest-run.js';

export interface ScoreCommandOptions {
  inputs: string[];
  /** The suite for transcripts outside a run directory. */
  scenarios: string[];
  coherence: boolean;
  concurrency: number;
}

/**
 * `driftbench score`: reads saved transcripts and writes scores beside them. It never replays:
 * rescoring with a new scorer or another judge costs only the judge calls not yet cached.
 */
export async function scoreCommand(o: ScoreCommandOptions, deps: { output: Output; cwd: string; now: () => number; judge: Judge; engineVersion: string }): Promise<ScoreResult[]> {
  let suite: Awaited<ReturnType<typeof loadSuite>> | undefined;
  const targets = await resolveTargets(
    (await resolveRuns(o.inputs, { cwd: deps.cwd, err: deps.output.err })).map((i) => (i.startsWith('/') ? i : `${deps.cwd}/${i}`)),
    async () => {
      suite ??= await loadSuite(o.scenarios, { cwd: deps.cwd });
      return new Map(suite.map((l) => [l.scenario.id, l]));
    },
    (store) => loadRunScenarios(store, undefined),
  );
  const results: ScoreResult[] = [];
  for (const target of targets) {
    if (target.live) {
      deps.output.err(
        `warning: ${relative(deps.cwd, target.dir) || '.'} is still running (pid ${target.live.pid} holds it): its unfinished conversations are skipped, not scored as finished; score it again when the run ends`,
      );
    }
    const before = { ...deps.judge.stats };
    const r = await scoreTarget(target, { judge: deps.judge, coherence: o.coherence, concurrency: o.concurrency, now: deps.now, engineVersion: deps.engineVersion });
    results.push(r);
    const c = r.summary;
    const show = (p: string) => relative(deps.cwd, p) || '.';
    deps.output.out(`scored ${c.conversations} conversation${c.conversations === 1 ? '' : 's'} of ${r.runId} with judge ${r.judge.id} -> ${show(r.file)}`);
    deps.output.out(`  mem_fail: ${c.yes} YES, ${c.no} NO, ${c.unscored} unscored`);
    if (r.part === 'merged') deps.output.out(`  merged into the run's earlier scores of this judge: ${r.inFile} conversation${r.inFile === 1 ? '' : 's'} in the file`);
    if (r.judge.kind === 'llm') {
      const s = deps.judge.stats;
      deps.output.out(
        `  judge calls: ${s.misses - before.misses} made, ${s.hits - before.hits} served from the cache${s.errors > before.errors ? `, ${s.errors - before.errors} failed (their votes are unscored)` : ''}`,
      );
      const unreadable = s.unreadable - before.unreadable;
      if (unreadable > 0)
        deps.output.out(
          `  ${unreadable} judge repl${unreadable === 1 ? 'y has' : 'ies have'} no single JSON object with a YES or NO verdict: unscored, the reason in each vote's error`,
        );
    }
    if (r.keptPrevious) deps.output.out(`  the earlier scores of this judge differed; kept as ${show(r.keptPrevious)}`);
    for (const sk of r.skipped) deps.output.err(`skipped ${show(sk.file)}: ${sk.reason}`);
  }
  if (results.every((r) => r.summary.conversations === 0)) throw new TranscriptError('no transcript could be scored');
  return results;
}
