import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { loadProfiles } from '../models/profiles.js';
import { PROVIDERS, PROVIDER_KEYS } from '../providers/index.js';
import { JudgeCache } from '../score/judge-cache.js';
import { heuristicJudge, llmJudge, type Judge } from '../score/judge.js';
import type { Output } from './output.js';

export interface JudgeOptions {
  /** heuristic, or judge model(s), comma-separated for a panel. */
  judge?: string;
  samples: number;
  provider?: string;
  baseUrl?: string;
  cacheDir?: string;
  /** false with --no-cache: judge again, and refresh the cache. */
  cache: boolean;
  maxRetries: number;
}

export const DEFAULT_JUDGE_MODEL = 'claude-sonnet-4-6';
export const DEFAULT_CACHE_DIR = '.driftbench-cache/judge';

/** The judge a command asked for. With no --judge and no key, the offline heuristic judge. */
export function makeJudge(o: JudgeOptions, deps: { env: NodeJS.ProcessEnv; cwd: string; now: () => number; output: Output }): Judge {
  if (o.judge === 'heuristic') return heuristicJudge();
  const providerName = o.provider ?? 'anthropic';
  const keyName = PROVIDER_KEYS[providerName];
  const hasKey = keyName === undefined || (deps.env[keyName] ?? '').trim() !== '';
  if (o.judge === undefined && !hasKey) {
    deps.output.err(`No ${keyName} set: judging with the offline heuristic judge (the scenarios' probes and trap cues); pass --judge MODEL with a key for an LLM judge.`);
    return heuristicJudge();
  }
  const factory = PROVIDERS[providerName];
  if (!factory || providerName === 'rehearsal') throw new UsageError(`--judge-provider ${providerName}: choose anthropic or openrouter`);
  if (!hasKey) throw new UsageError(`an LLM judge through ${providerName} needs ${keyName} in the environment; or use --judge heuristic`);
  const models = (o.judge ?? DEFAULT_JUDGE_MODEL).split(',').map((m) => m.trim()).filter(Boolean);
  if (models.length === 0) throw new UsageError('--judge needs a model name, a comma-separated panel, or heuristic');
  if (!Number.isInteger(o.samples) || o.samples < 1) throw new UsageError('--judge-samples must be a whole number of at least 1');
  const provider = factory({ env: deps.env, baseUrl: o.baseUrl, maxRetries: o.maxRetries, now: deps.now });
  const cacheDir = resolve(deps.cwd, o.cacheDir ?? deps.env.DRIFTBENCH_CACHE_DIR ?? DEFAULT_CACHE_DIR);
  return llmJudge({ models, samples: o.samples, provider, profiles: loadProfiles(), cache: new JudgeCache(cacheDir), readCache: o.cache, now: deps.now });
}
