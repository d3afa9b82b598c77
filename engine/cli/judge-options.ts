import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { type EffortLevel, loadProfiles, supportsEffort } from '../models/profiles.js';
import type { Timeouts } from '../providers/timeouts.js';
import { lookUpModels, makeProvider, providerKey } from './provider.js';
import { JudgeCache } from '../score/judge-cache.js';
import { heuristicJudge, llmJudge, votesCanTie, type Judge } from '../score/judge.js';
import type { Output } from './output.js';

export interface JudgeOptions {
  /** heuristic, or judge model(s), comma-separated for a panel. */
  judge?: string;
  samples: number;
  /** --judge-tie-break: the model asked only when the votes tie. */
  tieBreak?: string;
  provider?: string;
  baseUrl?: string;
  /** --judge-effort: else each judge model's own default effort, from its profile. */
  effort?: EffortLevel;
  cacheDir?: string;
  /** false with --no-cache: judge again, and refresh the cache. */
  cache: boolean;
  maxRetries: number;
  /** The judge's calls stream too: the same limits as a run's turns (providers/timeouts.ts). */
  timeouts?: Partial<Timeouts>;
}

export const DEFAULT_JUDGE_MODEL = 'claude-sonnet-4-6';
export const DEFAULT_CACHE_DIR = '.driftbench-cache/judge';

/**
 * The judge a command asked for. With no --judge and no key, the offline heuristic judge. An LLM
 * judge's models are looked up first, as a run's are (the Models API, else the profiles): an
 * unknown or retired model, or an effort one does not take, is refused before any call, and so is
 * an even number of votes (models x samples) with no tie-breaker.
 */
export async function makeJudge(o: JudgeOptions, deps: { env: NodeJS.ProcessEnv; cwd: string; now: () => number; output: Output }): Promise<Judge> {
  const tieBreak = o.tieBreak?.trim() || undefined;
  if (tieBreak?.includes(',')) throw new UsageError(`--judge-tie-break ${tieBreak}: name one judge model, asked only when the panel's votes tie`);
  if (o.judge === 'heuristic') {
    if (tieBreak !== undefined) throw new UsageError('--judge-tie-break: the heuristic judge gives one verdict and never ties; leave --judge-tie-break out, or pass --judge MODEL');
    return heuristicJudge();
  }
  const providerName = o.provider ?? 'anthropic';
  const { keyEnv, key } = providerKey(providerName, deps.env);
  if (keyEnv === undefined) throw new UsageError(`--judge-provider ${providerName}: choose anthropic or openrouter`);
  if (o.judge === undefined && key === undefined && tieBreak === undefined) {
    deps.output.err(`No ${keyEnv} set: judging with the offline heuristic judge (the scenarios' probes and trap cues); pass --judge MODEL with a key for an LLM judge.`);
    return heuristicJudge();
  }
  const models = (o.judge ?? DEFAULT_JUDGE_MODEL)
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (models.length === 0) throw new UsageError('--judge needs a model name, a comma-separated panel, or heuristic');
  if (!Number.isInteger(o.samples) || o.samples < 1) throw new UsageError('--judge-samples must be a whole number of at least 1');
  if (votesCanTie(models.length, o.samples) && tieBreak === undefined) throw new UsageError(evenPanelMessage(models.length, o.samples));
  if (key === undefined) throw new UsageError(`an LLM judge through ${providerName} needs ${keyEnv} in the environment; or use --judge heuristic`);
  const provider = makeProvider(providerName, { baseUrl: o.baseUrl, maxRetries: o.maxRetries, timeouts: o.timeouts, flag: '--judge-provider' }, deps);
  const profiles = loadProfiles();
  const asked = tieBreak !== undefined && !models.includes(tieBreak) ? [...models, tieBreak] : models;
  const { models: resolved, warnings } = await lookUpModels(asked, provider, profiles, deps, '--judge-base-url');
  for (const w of warnings) deps.output.err(w);
  if (o.effort !== undefined) {
    for (const m of resolved) {
      if (m.source === 'none' || supportsEffort(m, o.effort)) continue;
      const takes = m.efforts.length > 0 ? `it takes ${m.efforts.join(', ')}` : 'it takes no effort levels: leave --judge-effort out';
      throw new UsageError(`--judge-effort ${o.effort}: the judge ${m.requested} does not take that effort level; ${takes}`);
    }
  }
  const cacheDir = resolve(deps.cwd, o.cacheDir ?? deps.env.DRIFTBENCH_CACHE_DIR ?? DEFAULT_CACHE_DIR);
  return llmJudge({ models, samples: o.samples, tieBreak, provider, profiles, resolved, effort: o.effort, cache: new JudgeCache(cacheDir), readCache: o.cache, now: deps.now });
}

/**
 * Why an even number of votes is refused, and the two fixes. A tie used to be left unscored, but
 * the transcripts judges split on are the hard ones, so dropping them biases every rate.
 */
function evenPanelMessage(models: number, samples: number): string {
  const what =
    models === 1
      ? `--judge-samples ${samples} gives an even number of votes`
      : samples === 1
        ? `a panel of ${models} judge models gives an even number of votes`
        : `a panel of ${models} judge models x --judge-samples ${samples} gives ${models * samples} votes`;
  const panel = `a panel of ${models + 1} models`;
  const more = `--judge-samples ${samples + 1}`;
  const odd = models % 2 === 1 ? more : samples % 2 === 1 ? panel : `${panel} and ${more}`;
  return `${what}, which can tie (as many YES as NO) and leave a transcript without a verdict; use an odd number (${odd}), or name a judge to break ties: --judge-tie-break MODEL (asked only on a tie)`;
}
