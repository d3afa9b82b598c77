/**
 * The few named errors driftbench throws. The CLI's one catch (engine/cli/run-cli.ts) turns
 * them into clear lines and exit codes; anything else is a bug and keeps its stack.
 */

/** A problem located in a file: printed as `file:line:col: message (at /pointer)`. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
  /** JSON pointer into the parsed document, when the problem is about a value. */
  pointer?: string;
}

/** One problem, one line: a newline inside a message (a key with a line break) is escaped. */
export function formatProblem(p: Problem): string {
  const at = p.pointer !== undefined && p.pointer !== '' ? ` (at ${oneLine(p.pointer)})` : '';
  return `${p.file}:${p.line}:${p.col}: ${oneLine(p.message)}${at}`;
}

export function oneLine(s: string): string {
  return s.replace(/\r?\n/g, '\\n');
}

export abstract class DriftbenchError extends Error {
  /** 2: bad input or failure. Subclasses that mean "findings" use 1. */
  readonly exitCode: number = 2;
  /** The lines the CLI prints for this error, without a stack. */
  lines(): string[] {
    return [this.message];
  }
}

/** One or more scenario files are malformed. Every problem in every file is carried at once. */
export class ScenarioError extends DriftbenchError {
  override readonly name = 'ScenarioError';
  constructor(
    readonly problems: Problem[],
    options?: { cause?: unknown },
  ) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in scenario files`, options);
  }
  override lines(): string[] {
    return this.problems.map(formatProblem);
  }
}

/** The command line itself is wrong: an unknown option value, a missing path. */
export class UsageError extends DriftbenchError {
  override readonly name = 'UsageError';
}

/** A transcript or manifest on disk is missing, truncated, hand-edited or of another format. */
export class TranscriptError extends DriftbenchError {
  override readonly name = 'TranscriptError';
}

/** A provider failed in a way that retries could not fix, or was set up wrongly (no key). */
export class ProviderError extends DriftbenchError {
  override readonly name = 'ProviderError';
  constructor(
    message: string,
    readonly details: { status?: number | null; type?: string; retryable?: boolean } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A labelled set (calibrate --labels) is missing or malformed, or names transcripts that cannot be judged. Every problem at once. */
export class LabelsError extends DriftbenchError {
  override readonly name = 'LabelsError';
  constructor(
    readonly problems: Problem[],
    options?: { cause?: unknown },
  ) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the labelled set`, options);
  }
  override lines(): string[] {
    return this.problems.map(formatProblem);
  }
}

/** What an errno code means, in words a user reads. */
const IO_CODES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for this file system or ulimit',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  ENOENT: 'no such file or folder',
};

/** A Node system error (fs, net): it has a string `code` such as ENOSPC and a `syscall`. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * A file could not be written or read: a full disk, a quota, a read-only or failing file system.
 * The message is one line, `cannot write <path>: no space left on device (ENOSPC)`, and `next`
 * says what to do (free space, then the command that carries on).
 */
export class StorageError extends DriftbenchError {
  override readonly name = 'StorageError';
  constructor(
    readonly path: string,
    readonly code: string,
    readonly action: 'write' | 'read' = 'write',
    readonly next = 'free space (or fix the file system), then run the command again',
    options?: { cause?: unknown },
  ) {
    super(`cannot ${action} ${path}: ${IO_CODES[code] ?? 'input/output error'} (${code}); ${next}`, options);
  }

  /** The same failure with another next step (the command that resumes a run, say). */
  withNext(next: string): StorageError {
    return new StorageError(this.path, this.code, this.action, next, { cause: this.cause });
  }

  /** A system error that reached the CLI's catch unwrapped (a mkdir, a read): its path and what was done. */
  static ofSystemError(e: NodeJS.ErrnoException & { code: string }): StorageError {
    const reading = ['open', 'read', 'scandir', 'stat', 'lstat', 'readlink'].includes(e.syscall ?? '');
    return new StorageError(e.path ?? '(a file)', e.code, reading ? 'read' : 'write', undefined, { cause: e });
  }

  static from(e: unknown, path: string, action: 'write' | 'read' = 'write'): StorageError {
    if (e instanceof StorageError) return e;
    const code = isSystemError(e) ? e.code : 'EIO';
    return new StorageError(path, code, action, undefined, { cause: e });
  }
}

/** Another live process holds the run directory's lock (`driftbench run` or `run --resume` of the same run). */
export class RunInUseError extends DriftbenchError {
  override readonly name = 'RunInUseError';
}
