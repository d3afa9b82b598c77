import { resolve } from 'node:path';
import type { Output } from '../cli/output.js';
import { type Logger, silentLogger } from '../log.js';
import { PROVIDERS } from '../providers/index.js';

/** Options every API function takes. */
export interface CommonOptions {
  /** The directory relative paths are resolved against. Default: `process.cwd()`. */
  cwd?: string;
  /**
   * Where progress lines and warnings go (what the CLI prints on stderr). Default: silent. The
   * API itself never writes to stdout or stderr.
   */
  logger?: Logger;
  /** The clock, in milliseconds since the epoch (timestamps, run names). Default: `Date.now`. */
  now?: () => number;
}

/** The side effects the commands take, made from the API's options. */
export function sideEffects(o: CommonOptions): { cwd: string; now: () => number; logger: Logger; output: Output } {
  const logger = o.logger ?? silentLogger;
  return {
    cwd: resolve(o.cwd ?? process.cwd()),
    now: o.now ?? Date.now,
    logger,
    // What a command prints for a person goes to the logger: its results are returned instead.
    output: { color: false, out: (line) => logger.info({}, line), err: (line) => logger.warn({}, line) },
  };
}

/**
 * The environment a command reads (keys, proxies, DRIFTBENCH_* settings). The API reads no
 * `process.env` of its own: it starts from `env` (default: empty) and puts `apiKey` under the
 * variable the provider reads (ANTHROPIC_API_KEY, OPENROUTER_API_KEY).
 */
export function environment(provider: string, o: { apiKey?: string; env?: NodeJS.ProcessEnv }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...o.env };
  const keyEnv = PROVIDERS[provider]?.keyEnv;
  if (o.apiKey !== undefined && keyEnv !== undefined) env[keyEnv] = o.apiKey;
  return env;
}

export const list = (x: string | readonly string[]): string[] => (typeof x === 'string' ? [x] : [...x]);
