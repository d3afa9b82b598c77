/** Where a command writes what the user reads. The CLI passes the real streams; tests capture. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Colour is allowed: a terminal, and NO_COLOR unset. */
  color: boolean;
  /** The width tables fit on stdout; tables are not fitted when absent. */
  columns?: number;
}

export function processOutput(env: NodeJS.ProcessEnv = process.env): Output {
  const color = process.stdout.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
  const out = quietWhenClosed(process.stdout);
  const err = quietWhenClosed(process.stderr);
  return { out: (line) => out(`${line}\n`), err: (line) => err(`${line}\n`), color, columns: terminalColumns(env, process.stdout) };
}

/**
 * The width to fit tables and help to: COLUMNS when set (a user's or a test's choice), else the
 * terminal's width, else 80, the width a pipe or a file is read at.
 */
export function terminalColumns(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean; columns?: number }): number {
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return stream.isTTY === true && stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
}

/** A reader that has gone away: the pipe's other end is closed. */
const CLOSED = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/**
 * Writes to a stream until its reader goes away. `driftbench list | head -1` closes the pipe
 * after one line; the next write fails with EPIPE, which Node emits as an 'error' event and,
 * with no listener, turns into a crash with a stack trace. Here the stream stops taking writes
 * and the command finishes its work (files it writes, its exit code) as it would have: a closed
 * stdout is the reader's choice, not a failure. Node ignores SIGPIPE, so this is the one place
 * that sees it. Any other write error is re-thrown, as before.
 */
export function quietWhenClosed(stream: NodeJS.WritableStream): (text: string) => void {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (!CLOSED.has(e.code ?? '')) throw e;
    closed = true;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

export function captureOutput(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, color: false, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l) };
}
