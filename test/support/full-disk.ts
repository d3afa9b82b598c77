/**
 * A disk that fills up, for the tests of issue 17 (defect 8): loaded into the real binary with
 * `node --import <this file>?after=N&matching=TEXT`, before any of driftbench's code, it makes
 * the process's file writes fail with ENOSPC as a full disk does. The first N writes into a path
 * containing TEXT (every path when `matching` is not given) succeed; every later one writes what
 * fitted (the first half of its data) and fails, as a disk that has filled up stays full.
 *
 * Why here and not in driftbench: the product has no test seam, and its write path (write-file-
 * atomic's temp file, our writes into it, the rename) is exactly what a user's full disk hits. A
 * tmpfs small enough to fill is the other way (test/stress/disk-full.stress.ts mounts one where
 * the machine allows it); this one needs no privileges and puts the failure at an exact write.
 *
 * What counts as a write: `fs/promises` `writeFile` on a path, and `writeFile`/`write` on a
 * handle `fs/promises` `open` gave for a path. Node's own ES module bindings of `node:fs/promises`
 * are brought in line with the patched functions by `syncBuiltinESMExports`
 * (https://nodejs.org/api/module.html#modulesyncbuiltinesmexports).
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';

type FsPromises = typeof import('node:fs/promises');
type FileHandle = Awaited<ReturnType<FsPromises['open']>>;

const query = new URL(import.meta.url).searchParams;
let writesLeft = Number(query.get('after') ?? '0');
const matching = query.get('matching') ?? '';
if (!Number.isInteger(writesLeft) || writesLeft < 0) throw new Error(`full-disk: after=${query.get('after')} is not a count of writes`);

/** Whether the disk is full for a write into this path; counts the write when it is not. */
function full(path: string): boolean {
  if (!path.includes(matching)) return false;
  if (writesLeft > 0) {
    writesLeft--;
    return false;
  }
  return true;
}

function enospc(path: string): Error {
  return Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC', errno: -28, syscall: 'write', path });
}

/**
 * The part of the data a full disk still takes: the first half. A write that fails for want of
 * space has already opened (and, for writeFile, truncated) its file and written what fitted, so
 * a test of "a failed write never leaves a file cut short" meets what a real disk does.
 */
function firstHalf(data: unknown): unknown {
  if (typeof data === 'string') return data.slice(0, Math.floor(data.length / 2));
  if (data instanceof Uint8Array) return data.subarray(0, Math.floor(data.length / 2));
  return '';
}

const fsp = createRequire(import.meta.url)('node:fs/promises') as FsPromises;
const realWriteFile = fsp.writeFile;
const realOpen = fsp.open;

const paths = new WeakMap<FileHandle, string>();

fsp.writeFile = (async (file: Parameters<FsPromises['writeFile']>[0], data: unknown, ...rest: unknown[]) => {
  const path = typeof file === 'object' && 'fd' in file ? (paths.get(file) ?? '') : String(file);
  const writeFile = realWriteFile as (...a: unknown[]) => Promise<void>;
  if (!full(path)) return writeFile(file, data, ...rest);
  await writeFile(file, firstHalf(data), ...rest);
  throw enospc(path);
}) as FsPromises['writeFile'];

fsp.open = (async (file: Parameters<FsPromises['open']>[0], ...rest: unknown[]) => {
  const handle = await (realOpen as (...a: unknown[]) => Promise<FileHandle>)(file, ...rest);
  const path = String(file);
  paths.set(handle, path);
  const handleWriteFile = handle.writeFile.bind(handle);
  const handleWrite = handle.write.bind(handle) as (...a: unknown[]) => unknown;
  handle.writeFile = (async (data: Parameters<FileHandle['writeFile']>[0], ...rest: unknown[]) => {
    const writeFile = handleWriteFile as (...a: unknown[]) => Promise<void>;
    if (!full(path)) return writeFile(data, ...rest);
    await writeFile(firstHalf(data), ...rest);
    throw enospc(path);
  }) as FileHandle['writeFile'];
  handle.write = (async (...a: unknown[]) => {
    if (full(path)) throw enospc(path);
    return handleWrite(...a);
  }) as FileHandle['write'];
  return handle;
}) as FsPromises['open'];

syncBuiltinESMExports();
