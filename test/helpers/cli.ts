import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const binPath = join(repoRoot, 'dist', 'engine', 'bin', 'driftbench.js');

export interface BinResult {
  /** The exit code; null when the child did not exit by itself (see `signal` and `error`). */
  code: number | null;
  /** The signal that killed the child, if one did. */
  signal: NodeJS.Signals | null;
  /** The child could not be started (spawn failed), or its output went over maxBuffer. */
  error?: Error;
  stdout: string;
  stderr: string;
}

export interface BinOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** The script node runs instead of the built binary (tests of this helper). */
  bin?: string;
}

/**
 * Runs the real built binary, as a user would, with colour off. `npm test` builds first;
 * the binary is never imported, so exit codes and stream separation are what a user sees.
 * A child killed by a signal, or one that never started, has no exit code: it is reported as
 * such, never as an exit code it did not return.
 */
export function runBin(args: string[], opts: BinOptions = {}): Promise<BinResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [opts.bin ?? binPath, ...args],
      {
        cwd: opts.cwd ?? repoRoot,
        // A Models API cache of its own for every run (unless the test gives one): local servers
        // reuse ports, and an answer cached from another test's server would leak into this one.
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', DRIFTBENCH_MODELS_CACHE_DIR: mkdtempSync(join(tmpdir(), 'driftbench-models-')), ...opts.env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ code: 0, signal: null, stdout, stderr });
        // execFile's error is one of three things: a non-zero exit (a numeric code), a kill (a
        // signal), or its own failure (a string code: ENOENT from spawn, the maxBuffer error).
        const code = typeof error.code === 'number' ? error.code : null;
        const signal = (error.signal as NodeJS.Signals | undefined) ?? null;
        resolve({ code, signal, ...(code === null && signal === null ? { error } : {}), stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Lines that would betray a stack trace leaking to the user. */
export const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

export interface ClosedPipeResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The first chunk of stdout, read before the pipe was closed. */
  first: string;
  stderr: string;
  /** From closing the pipe to the child's exit. */
  msAfterClose: number;
}

/**
 * Runs the real binary with stdout piped into a reader that goes away after the first chunk, as
 * `driftbench list | head -1` does: the pipe's read end is closed, and any later write the child
 * makes fails with EPIPE. Use a command whose output is well over a pipe's 64 KiB buffer, so the
 * child is still writing when the reader leaves. A child still running after `timeoutMs` is killed.
 */
export function runBinClosingStdout(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<ClosedPipeResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', DRIFTBENCH_MODELS_CACHE_DIR: mkdtempSync(join(tmpdir(), 'driftbench-models-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let first = '';
    let closedAt = 0;
    let stderr = '';
    child.stdout.once('data', (chunk: Buffer) => {
      first = chunk.toString('utf8');
      closedAt = Date.now();
      child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, first, stderr, msAfterClose: closedAt ? Date.now() - closedAt : Number.NaN });
    });
  });
}
