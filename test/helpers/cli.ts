import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
  /** Options for node itself, before the script: `--import` of a fault, say (fullDisk). */
  nodeArgs?: string[];
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
      [...(opts.nodeArgs ?? []), opts.bin ?? binPath, ...args],
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
  /** The binary's own exit code (not head's). */
  code: number | null;
  /** What head printed: the first line. */
  first: string;
  stderr: string;
  ms: number;
}

/**
 * Runs the real binary as `driftbench ARGS | head -n 1` does, in bash: head reads the first line
 * and exits, closing the pipe, so any later write the binary makes fails with EPIPE. Use a
 * command whose output is well over a pipe's 64 KiB buffer plus head's read, so the binary is
 * still writing when head leaves. The exit code is the binary's ($PIPESTATUS is its first element), not head's.
 */
export function runBinIntoHead(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<ClosedPipeResult> {
  const start = Date.now();
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', '"$0" "$@" | head -n 1; exit $PIPESTATUS', process.execPath, binPath, ...args],
      {
        cwd: opts.cwd ?? repoRoot,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', DRIFTBENCH_MODELS_CACHE_DIR: mkdtempSync(join(tmpdir(), 'driftbench-models-')) },
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, first: stdout, stderr, ms: Date.now() - start });
      },
    );
  });
}

/**
 * The rows of every box table in some output, each cell's text with its wrapping undone: lines
 * joined by a space, or by nothing after a word broken at a hyphen, slash or underscore. Tables
 * wrap their cells to fit the terminal (80 columns in tests); this reads them as a user does.
 */
export function tableRows(stdout: string): string[][] {
  const rows: string[][] = [];
  /** The lines of the row being read, each split into its cells. */
  let lines: string[][] = [];
  const join = (a: string, b: string) => (b === '' ? a : a === '' ? b : /[-/_]$/.test(a) || /^[-/_]/.test(b) ? a + b : `${a} ${b}`);
  const flush = () => {
    if (lines.length > 0) rows.push(lines[0]!.map((_, i) => lines.map((cells) => cells[i] ?? '').reduce(join, '')));
    lines = [];
  };
  for (const line of stdout.split('\n')) {
    if (line.startsWith('│'))
      lines.push(
        line
          .split('│')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    else flush();
  }
  flush();
  return rows;
}

/** A table heading without its spaces: headings may break anywhere to leave room for the data. */
export const bare = (heading: string) => heading.replace(/ /g, '');

/**
 * node's arguments for a disk that fills up (test/support/full-disk.ts): the first `after` writes
 * into paths containing `matching` succeed, every later one fails with ENOSPC.
 */
export function fullDisk(o: { after: number; matching?: string }): string[] {
  const url = pathToFileURL(join(repoRoot, 'dist', 'test', 'support', 'full-disk.js'));
  url.searchParams.set('after', String(o.after));
  if (o.matching !== undefined) url.searchParams.set('matching', o.matching);
  return ['--import', url.href];
}
