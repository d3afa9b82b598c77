import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const binPath = join(repoRoot, 'dist', 'engine', 'bin', 'driftbench.js');

export interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real built binary, as a user would, with colour off. `npm test` builds first;
 * the binary is never imported, so exit codes and stream separation are what a user sees.
 */
export function runBin(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<BinResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [binPath, ...args],
      { cwd: opts.cwd ?? repoRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...opts.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error && typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : error ? 1 : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Lines that would betray a stack trace leaking to the user. */
export const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;
