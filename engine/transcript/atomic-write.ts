import { open, writeFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import { isSystemError, StorageError } from '../errors.js';

/**
 * The one way driftbench replaces a file it must not lose (transcripts, the manifest, scenario
 * snapshots, scores, judge verdicts, `--out` files): the bytes go to a temp file beside the
 * target, which is fsynced and then renamed over it, so after a crash or a full disk the file
 * holds the old content or the new, never a torn or empty one. A failed write rejects with the
 * error and removes its temp file.
 *
 * write-file-atomic does the temp file (a unique name per write, removed on failure and on
 * exit), keeps the target's mode and owner, fsyncs and renames, and runs concurrent writes to
 * one path one after another in the order they were called, so the last call wins
 * (https://github.com/npm/write-file-atomic#readme). The bytes themselves are written here,
 * in its `tmpfileCreated` hook: write-file-atomic (6.0.0, and 8.0.0 still) makes one
 * `fs.write` call and ignores how many bytes it took, so a short write, which is what a disk
 * filling up gives, was renamed over the old file as a success (measured: 300 kB under a
 * 100 kB file-size limit resolved and left 100 kB). Node's writeFile goes on writing until
 * every byte is in or the write fails (ENOSPC, EFBIG), and the rejection stops the rename.
 * atomic-write.test.ts reproduces both.
 *
 * `fsync: false` is for files made again from their source whenever lost (`import`'s scenarios):
 * still a temp file and a rename, so a failed write (a full disk) leaves the earlier file whole,
 * but a power cut may lose the newest version; 20,000 fsyncs were most of an import's time.
 *
 * `data` is the content, or a function that produces it piece by piece through `write`, for a
 * file too large to build in memory first: the scores of 10,000 conversations (30 MB) built as
 * one string took the rescoring benchmark's peak memory from 205 MB to 312 MB, over its 300 MB
 * target (BENCHMARKS.md); produced piece by piece, 206 MB. It awaits each write before the
 * next. It runs while the temp file is open: whatever it does before it returns happens before
 * the rename, and if it throws, nothing is renamed.
 */
export async function writeFileDurably(file: string, data: string | Uint8Array | Produce, opts: { fsync?: boolean } = {}): Promise<void> {
  try {
    // 'r+': the temp file write-file-atomic has just created and will fsync, never a new one.
    await writeFileAtomic(file, '', {
      fsync: opts.fsync ?? true,
      tmpfileCreated: (tmp) => (typeof data === 'function' ? writeProduced(tmp, data) : writeFile(tmp, data, { flag: 'r+' })),
    });
  } catch (e) {
    // A full disk, a quota, a read-only file system: one clear line (StorageError), not a stack.
    if (isSystemError(e)) throw StorageError.from(e, file);
    throw e;
  }
}

/** Writes a file's content piece by piece; see writeFileDurably. */
export type Produce = (write: (chunk: string) => Promise<void>) => Promise<void>;

/** Pieces are gathered to about 64 kB a write, not one write per (small) piece. */
async function writeProduced(tmp: string, produce: Produce): Promise<void> {
  const fh = await open(tmp, 'r+');
  try {
    let pending: string[] = [];
    let size = 0;
    // FileHandle.writeFile writes at the current position, all of it or an error.
    const flush = async () => {
      const text = pending.join('');
      pending = [];
      size = 0;
      await fh.writeFile(text);
    };
    await produce(async (chunk) => {
      pending.push(chunk);
      size += chunk.length;
      if (size >= 65536) await flush();
    });
    await flush();
  } finally {
    await fh.close();
  }
}

/**
 * Pretty JSON with a trailing newline, as every driftbench file is written. `value` is
 * serialised before this returns, so the caller may change it at once.
 */
export function writeJsonDurably(file: string, value: unknown): Promise<void> {
  return writeFileDurably(file, `${JSON.stringify(value, null, 2)}\n`);
}
