import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };
import type { LogFormat, LogLevel } from './log-levels.js';

export type { LogFormat, LogLevel } from './log-levels.js';

/**
 * Paths pino censors before a line is written. Secrets never reach logs even if a caller
 * passes a whole request or client options by mistake.
 */
export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'authorization',
  '*.authorization',
];

/**
 * Logs go to stderr: readable lines on a terminal, JSON lines when piped or asked for.
 * pino-pretty runs in-process (not as a worker transport) so lines are written before exit.
 */
export function createLogger(opts: { format: LogFormat; level: LogLevel; stream?: NodeJS.WriteStream; color?: boolean }): Logger {
  const stream = opts.stream ?? process.stderr;
  const usePretty = opts.format === 'pretty' || (opts.format === 'auto' && stream.isTTY === true);
  const base = { level: opts.level, base: undefined, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (!usePretty) return pino(base, pino.destination({ fd: (stream as { fd?: number }).fd ?? 2, sync: true }));
  return pino(
    base,
    pretty({ destination: (stream as { fd?: number }).fd ?? 2, sync: true, colorize: opts.color ?? false, ignore: 'pid,hostname', translateTime: 'HH:MM:ss', singleLine: true }),
  );
}
