import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RunInUseError } from '../errors.js';

/** Who holds a run directory: written once, whole, into `<run>/run.lock`. */
export interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
  /** Tells one holding of the lock from the next, even when a pid comes round again. */
  token: string;
}

export const LOCK_FILE = 'run.lock';

/**
 * The exclusive lock of a run directory, held by one live process for as long as it replays the
 * run (issue 17: two resumes of one run each replayed everything left, each with its own budget).
 *
 * Written by hand rather than with proper-lockfile: that library decides staleness by the lock's
 * age, so it keeps a timer touching the lock all run long, and after a SIGKILL the next resume
 * must wait out the stale time (or takes over a live run whose event loop was busy). Here the
 * lock names its pid and host, so a lock whose process is gone is taken over at once, and a live
 * one never is.
 *
 * The lock file appears whole or not at all: it is written to a temp file and hard-linked into
 * place (link fails with EEXIST, as O_EXCL would, but never shows a half-written file). A stale
 * lock (same host, pid gone) is taken over under a marker named after that lock's token, created
 * the same way: of several processes that find one stale lock, one gets the marker; it checks
 * that the lock is still the stale one, renames its own over it, and only then removes the
 * marker, so a process that gets the marker later reads the new lock and backs off.
 */
export class RunLock {
  private released = false;

  constructor(
    readonly file: string,
    readonly owner: LockOwner,
  ) {}

  /** Removes the lock if it is still ours. Safe to call more than once. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const now = await readOwner(this.file);
    if (now?.token === this.owner.token) await unlink(this.file).catch(() => {});
  }

  /** The same, synchronously: for process 'exit', where nothing asynchronous runs any more. */
  releaseSync(): void {
    if (this.released) return;
    this.released = true;
    try {
      const now = JSON.parse(readFileSync(this.file, 'utf8')) as LockOwner;
      if (now.token === this.owner.token) unlinkSync(this.file);
    } catch {
      // Gone already, or not ours: nothing to release.
    }
  }
}

/** Takes the run directory's lock, or throws RunInUseError naming the live process that holds it. */
export async function acquireRunLock(dir: string, now: () => number): Promise<RunLock> {
  const file = join(dir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date(now()).toISOString(), token: randomBytes(8).toString('hex') };
  const text = `${JSON.stringify(owner)}\n`;
  const tmp = join(dir, `.${LOCK_FILE}.${owner.token}.tmp`);
  await writeFile(tmp, text);
  try {
    // Each round either takes the lock, or sees a holder; a holder that vanished meanwhile
    // (released, or taken over and released) means another round. A few are plenty.
    for (let round = 0; round < 20; round++) {
      try {
        await link(tmp, file);
        return new RunLock(file, owner);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = await readOwner(file);
      if (holder === undefined) continue;
      if (isAlive(holder)) throw inUse(dir, holder);
      const marker = join(dir, `.${LOCK_FILE}.takeover-${holder.token}`);
      try {
        await link(tmp, marker);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // Another process is taking this stale lock over right now.
        const taker = await readOwner(marker);
        if (taker === undefined) continue;
        if (isAlive(taker)) {
          // Its few file operations take well under a millisecond; then the lock is its own.
          await new Promise((r) => setTimeout(r, 5 * (round + 1)));
          continue;
        }
        throw new RunInUseError(
          `run in use: a takeover of ${file} by pid ${taker.pid} was itself killed; if no driftbench process works on ${dir}, delete ${file} and ${marker}, then resume`,
        );
      }
      try {
        if ((await readOwner(file))?.token !== holder.token) continue;
        // A second name for our lock's bytes, so that the rename leaves tmp for the marker's cleanup.
        const mine = `${tmp}.take`;
        await writeFile(mine, text);
        await rename(mine, file);
        return new RunLock(file, owner);
      } finally {
        await unlink(marker).catch(() => {});
      }
    }
    throw new RunInUseError(`run in use: ${file} changed hands repeatedly while it was being taken; try again`);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** The live process that holds a run directory's lock, if one does: `score` asks before trusting unfinished transcripts. */
export async function liveLockOwner(dir: string): Promise<LockOwner | undefined> {
  const holder = await readOwner(join(dir, LOCK_FILE));
  return holder !== undefined && isAlive(holder) ? holder : undefined;
}

function inUse(dir: string, holder: LockOwner): RunInUseError {
  const where = holder.host === hostname() ? '' : ` on host ${holder.host}`;
  return new RunInUseError(
    `run in use by pid ${holder.pid}${where} (since ${holder.started_at}): ${dir} is being replayed; wait for that process to end, or stop it (Ctrl-C) and resume then. If no such driftbench process exists, delete ${join(dir, LOCK_FILE)}`,
  );
}

/**
 * Whether the holder may still be running. Only a process on this host can be asked (signal 0
 * checks existence without sending anything; EPERM means it exists under another user); one on
 * another host (a shared file system) is taken to be alive.
 */
function isAlive(holder: LockOwner): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string') return { started_at: '?', ...o } as LockOwner;
  } catch {
    // Not ours: fall through.
  }
  // A lock file nobody could have written whole (this code links complete files only): treat as
  // held, so that nothing is replayed twice, and say what to do.
  throw new RunInUseError(`${file}: not a lock this version of driftbench wrote; if no driftbench process works on this run, delete it and resume`);
}
