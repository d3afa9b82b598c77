/** Where a command writes what the user reads. The CLI passes the real streams; tests capture. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
  /** Colour is allowed: a terminal, and NO_COLOR unset. */
  color: boolean;
}

export function processOutput(env: NodeJS.ProcessEnv = process.env): Output {
  const color = process.stdout.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    color,
  };
}

export function captureOutput(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, color: false, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l) };
}
