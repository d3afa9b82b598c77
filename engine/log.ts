/**
 * The logging interface the stages and the programmatic API take: four levels, each called as
 * pino calls them, `(fields, message)`. A pino logger fits as it is; so does a plain object of
 * four functions (tests collect lines with one). Nothing in the engine logs anywhere else.
 */
export type LogFn = (fields: object, message: string) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const quiet: LogFn = () => {};

/** The API's default: a library says nothing unless given a logger. */
export const silentLogger: Logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
