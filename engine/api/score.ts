import { scoreCommand } from '../cli/commands/score.js';
import { makeJudge } from '../cli/judge-options.js';
import type { EffortLevel } from '../models/profiles.js';
import { engineVersion } from '../paths.js';
import type { Timeouts } from '../providers/timeouts.js';
import type { ScoreResult } from '../score/score-run.js';
import { type CommonOptions, environment, list, sideEffects } from './common.js';

export interface ScoreOptions extends CommonOptions {
  /**
   * `heuristic` (default: offline, the scenarios' probes and trap cues), or judge model(s),
   * comma-separated for a panel, which need `apiKey`.
   */
  judge?: string;
  /** The judge provider's key (ANTHROPIC_API_KEY or OPENROUTER_API_KEY). */
  apiKey?: string;
  /** The judge's provider: `anthropic` (default) or `openrouter`. */
  provider?: string;
  /** The judge's endpoint. */
  baseUrl?: string;
  /** Verdicts per judge model. Default: 1. */
  samples?: number;
  /** A model asked only when the votes tie. */
  tieBreak?: string;
  /** The judge's effort level. Default: each judge model's own. */
  effort?: EffortLevel;
  /** Where judge verdicts are cached. Default: `.driftbench-cache/judge` under `cwd`. */
  cacheDir?: string;
  /** false: judge again and refresh the cache. Default: true. */
  cache?: boolean;
  /** Retries per judge call. Default: 4. */
  maxRetries?: number;
  /**
   * The limits of one attempt, in milliseconds: `headersMs` until the response begins (default
   * 60,000), `idleMs` of a stream sending nothing but pings (default 300,000), `attemptMs` in all
   * (default 3,600,000). An attempt that runs out of time is retried like a broken connection.
   */
  timeouts?: Partial<Timeouts>;
  /** The suite for transcript files outside a run directory. Default: `scenarios`. */
  scenarios?: readonly string[];
  /** Per-step coherence judgements (one judge call per step). Default: true. */
  coherence?: boolean;
  /** Transcripts scored at once. Default: 8. */
  concurrency?: number;
  /** Proxies and DRIFTBENCH_CACHE_DIR. Default: none. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Scores saved transcripts and writes `<run>/scores/<judge>.json`, as `driftbench score` does.
 * It never replays; with the heuristic judge (the default) it is offline and free.
 *
 * @param runs Run directories or transcript files, relative to `opts.cwd`.
 * @returns One result per run scored: counts, the scores file, what was skipped and why.
 * @throws TranscriptError when no transcript could be scored, or a run's files are damaged.
 * @throws UsageError for a bad judge option (an unknown model, an even panel with no tie-break).
 * @throws ScenarioError when the suite for loose transcript files is invalid.
 */
export async function score(runs: string | readonly string[], opts: ScoreOptions = {}): Promise<ScoreResult[]> {
  const { cwd, now, output } = sideEffects(opts);
  const env = environment(opts.provider ?? 'anthropic', opts);
  const judge = await makeJudge(
    {
      judge: opts.judge ?? 'heuristic',
      samples: opts.samples ?? 1,
      tieBreak: opts.tieBreak,
      provider: opts.provider,
      baseUrl: opts.baseUrl,
      effort: opts.effort,
      cacheDir: opts.cacheDir,
      cache: opts.cache ?? true,
      maxRetries: opts.maxRetries ?? 4,
      timeouts: opts.timeouts,
    },
    { env, cwd, now, output },
  );
  return scoreCommand(
    { inputs: list(runs), scenarios: [...(opts.scenarios ?? ['scenarios'])], coherence: opts.coherence ?? true, concurrency: opts.concurrency ?? 8 },
    { output, cwd, now, judge, engineVersion: engineVersion() },
  );
}
