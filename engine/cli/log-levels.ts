/** Log formats and levels, apart from logger.ts so that `--help` does not load pino to list them. */
export type LogFormat = 'auto' | 'pretty' | 'json';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
