import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { StorageError, TranscriptError, oneLine } from '../errors.js';
import { safeName } from '../plan/plan.js';
import { validatorFor } from '../schemas/compile.js';
import { writeFileDurably, writeJsonDurably } from './atomic-write.js';
import { MANIFEST_FORMAT, TRANSCRIPT_FORMAT, type RunManifest, type Transcript } from './format.js';

/** write-file-atomic's temp file beside one of driftbench's files: `manifest.json.3141592653`. */
const ORPHAN_TEMP = /\.(json|yaml|html)\.\d+$/;

/**
 * A run directory on disk:
 *
 *     <run>/manifest.json                   the plan, times, status (schemas/manifest.schema.json)
 *     <run>/scenarios/<scenario-id>.yaml    the scenario files as the run used them
 *     <run>/conversations/<id>.json         one transcript per conversation (schemas/transcript.schema.json)
 *
 * Every write is atomic and durable (temp file, fsync, rename: atomic-write.ts), so a killed
 * process leaves either the old or the new file, never half of one. Writes to one file land in
 * the order they were called. Everything is validated when written and when read.
 */
export class RunStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** A path inside the run directory; refuses anything that would resolve outside it. */
  path(...parts: string[]): string {
    const p = resolve(this.dir, ...parts);
    if (p !== this.dir && !p.startsWith(this.dir + sep)) throw new TranscriptError(`refusing to write outside the run directory: ${parts.join('/')}`);
    return p;
  }

  async create(): Promise<void> {
    // Compiled now, not on the first turn's write, where it held up every conversation in flight.
    validatorFor('transcript');
    validatorFor('manifest');
    for (const sub of ['conversations', 'scenarios']) {
      await mkdir(this.path(sub), { recursive: true }).catch((e: unknown) => {
        throw StorageError.from(e, this.path(sub));
      });
    }
  }

  async writeScenarioSnapshot(id: string, bytes: Uint8Array): Promise<string> {
    const rel = `scenarios/${safeName(id)}.yaml`;
    await writeFileDurably(this.path(rel), bytes);
    return rel;
  }

  async readScenarioSnapshot(rel: string): Promise<Uint8Array> {
    return readFile(this.path(rel));
  }

  /** Validates and serialises `m` before the first await, so the caller may change it at once. */
  async writeManifest(m: RunManifest): Promise<void> {
    assertValid('manifest', m, 'manifest.json');
    await writeJsonDurably(this.path('manifest.json'), m);
  }

  async readManifest(): Promise<RunManifest> {
    const m = await readJson(this.path('manifest.json')).catch(async (e: unknown) => {
      // The one message every command gives for a run directory that is not there, or not a run.
      if (!(e instanceof TranscriptError) || (e.cause as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw e;
      const isDir = await stat(this.dir).then(
        (x) => x.isDirectory(),
        () => false,
      );
      throw new TranscriptError(
        isDir
          ? `${this.dir}: not a run directory (it has no manifest.json); give a directory driftbench run wrote, e.g. transcripts/<run>`
          : `${this.dir}: no such run directory; give a directory driftbench run wrote, e.g. transcripts/<run>`,
        { cause: e },
      );
    });
    assertValid('manifest', m, this.path('manifest.json'));
    if ((m as RunManifest).format !== MANIFEST_FORMAT) throw new TranscriptError(`${this.path('manifest.json')}: not a driftbench manifest`);
    return m as RunManifest;
  }

  transcriptPath(conversationId: string): string {
    return this.path('conversations', `${safeName(conversationId)}.json`);
  }

  async writeTranscript(t: Transcript): Promise<void> {
    assertValid('transcript', t, `transcript ${t.conversation_id}`);
    await writeJsonDurably(this.transcriptPath(t.conversation_id), t);
  }

  /** The transcript of a conversation, or undefined if none was written yet. */
  async readTranscript(conversationId: string): Promise<Transcript | undefined> {
    const file = this.transcriptPath(conversationId);
    const bytes = await readBytesIfExists(file);
    return bytes === undefined ? undefined : parseTranscript(file, transcriptText(file, bytes));
  }

  /**
   * Removes the temp files of writes that never finished (a crash or SIGKILL between the temp
   * file and its rename): write-file-atomic names them `<target>.<decimal hash>` beside the
   * target. Called when a run resumes, which holds the run (nothing else writes into it then).
   * Returns the paths removed.
   */
  async removeOrphanTempFiles(): Promise<string[]> {
    const removed: string[] = [];
    for (const sub of ['.', 'conversations', 'scenarios', 'scores']) {
      const names = await readdir(this.path(sub)).catch(() => [] as string[]);
      for (const name of names) {
        if (!ORPHAN_TEMP.test(name)) continue;
        const file = this.path(sub, name);
        await rm(file, { force: true });
        removed.push(file);
      }
    }
    return removed;
  }

  async listTranscriptFiles(): Promise<string[]> {
    try {
      return (await readdir(this.path('conversations')))
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => this.path('conversations', f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
}

/**
 * A transcript file's bytes as text. Invalid UTF-8 is refused, not decoded to U+FFFD: driftbench
 * writes UTF-8 only, so such bytes mean the file was damaged or edited, and scoring the
 * replacement characters would score something the model never said.
 */
export function transcriptText(file: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new TranscriptError(`${file}: not valid UTF-8 text (damaged or edited?); restore it, or delete it and resume the run to replay the conversation`, { cause });
  }
}

/** Reads a transcript file's text; see transcriptText. */
export async function readTranscriptText(file: string): Promise<string> {
  return transcriptText(file, await readFile(file));
}

/** Parses and validates a transcript file's text; a truncated or edited file is a TranscriptError. */
export function parseTranscript(file: string, text: string): Transcript {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new TranscriptError(`${file}: not valid JSON (truncated or edited?): ${oneLine((cause as Error).message)}`, { cause });
  }
  assertValid('transcript', value, file);
  if ((value as Transcript).format !== TRANSCRIPT_FORMAT) throw new TranscriptError(`${file}: not a driftbench transcript`);
  return value as Transcript;
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new TranscriptError(`${file}: cannot read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TranscriptError(`${file}: not valid JSON (truncated or edited?): ${(cause as Error).message}`, { cause });
  }
}

function assertValid(schema: 'transcript' | 'manifest', value: unknown, where: string): void {
  const validate = validatorFor(schema);
  if (!validate(value)) {
    const first = validate.errors?.[0];
    const n = validate.errors?.length ?? 0;
    throw new TranscriptError(
      `${where}: does not match schemas/${schema}.schema.json: ${first?.instancePath || '/'} ${first?.message ?? ''}${n > 1 ? ` (and ${n - 1} more)` : ''}`,
    );
  }
}

/** A file's text, or undefined when there is no such file; any other failure is thrown. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  return (await readBytesIfExists(file))?.toString('utf8');
}

async function readBytesIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
