import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileDurably, writeJsonDurably } from './atomic-write.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftbench-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileDurably', () => {
  it('writes the exact text, and leaves no temp file beside it', async () => {
    const file = join(dir, 'transcript.json');
    // Multi-byte characters and more than one write(2)'s worth of bytes.
    const text = `{"turns":[${Array.from({ length: 5000 }, (_, i) => `"Grüße ✓ turn ${i}"`).join(',')}]}\n`;

    await writeFileDurably(file, text);

    expect(await readFile(file, 'utf8')).toBe(text);
    expect(await readdir(dir)).toEqual(['transcript.json']);
  });

  it('writes bytes as they are', async () => {
    const file = join(dir, 'scenario.yaml');
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x69, 0x64, 0x3a, 0x20, 0xff, 0x00, 0x0a]);

    await writeFileDurably(file, bytes);

    expect(new Uint8Array(await readFile(file))).toEqual(bytes);
  });

  it('replaces a longer file entirely, leaving no tail of the old text', async () => {
    const file = join(dir, 'transcript.json');
    await writeFile(file, 'the old text, which was much longer than the new one');

    await writeFileDurably(file, 'new');

    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['transcript.json']);
  });

  it('writes content produced piece by piece, in the order of the pieces', async () => {
    const file = join(dir, 'scores.json');
    const pieces = Array.from({ length: 20000 }, (_, i) => `"Grüße ✓ ${i}",`);

    await writeFileDurably(file, async (write) => {
      for (const piece of pieces) await write(piece);
    });

    expect(await readFile(file, 'utf8')).toBe(pieces.join(''));
    expect(await readdir(dir)).toEqual(['scores.json']);
  });

  it('rejects with the error a producer throws, and keeps the old file whole', async () => {
    const file = join(dir, 'scores.json');
    await writeFile(file, 'the old scores\n');

    const error = await writeFileDurably(file, async (write) => {
      await write('x'.repeat(200_000));
      throw new Error('a score did not match the schema');
    }).catch((e: unknown) => e);

    expect(error).toMatchObject({ message: 'a score did not match the schema' });
    expect(await readFile(file, 'utf8')).toBe('the old scores\n');
    expect(await readdir(dir)).toEqual(['scores.json']);
  });

  it('lands writes to one file issued without waiting in the order they were called: the last call wins', async () => {
    const file = join(dir, 'transcript.json');
    const landed: number[] = [];

    await Promise.all(Array.from({ length: 40 }, (_, i) => writeFileDurably(file, `version ${i}`).then(() => void landed.push(i))));

    expect(landed).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(await readFile(file, 'utf8')).toBe('version 39');
    expect(await readdir(dir)).toEqual(['transcript.json']);
  });

  it('lands writes spread over many files at once', async () => {
    const names = Array.from({ length: 100 }, (_, i) => `conversation-${i}.json`);

    await Promise.all(names.map((name) => writeFileDurably(join(dir, name), `{"name":"${name}"}`)));

    expect((await readdir(dir)).sort()).toEqual([...names].sort());
    const texts = await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8')));
    expect(texts).toEqual(names.map((name) => `{"name":"${name}"}`));
  });

  it('never lets a reader see a half-written file', async () => {
    const file = join(dir, 'transcript.json');
    const size = 256 * 1024;
    await writeFileDurably(file, 'a'.repeat(size));

    let writing = true;
    const writes = Promise.all(Array.from({ length: 20 }, (_, i) => writeFileDurably(file, (i % 2 === 0 ? 'b' : 'a').repeat(size)))).finally(() => {
      writing = false;
    });
    const seen = new Set<string>();
    let reads = 0;
    while (writing) {
      const text = await readFile(file, 'utf8');
      reads++;
      seen.add(`${text.length}:${text[0]}${text.at(-1)}:${new Set(text).size}`);
    }
    await writes;

    expect(reads).toBeGreaterThan(0);
    for (const shape of seen) expect(shape).toMatch(new RegExp(`^${size}:(aa|bb):1$`));
    expect(await readFile(file, 'utf8')).toBe('a'.repeat(size));
  });

  it('rejects a write into a directory that does not exist with ENOENT, and leaves no temp file', async () => {
    const error = await writeFileDurably(join(dir, 'missing', 'transcript.json'), 'text').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects a write over a directory, removes its temp file, and goes on writing afterwards', async () => {
    // The temp file is written; the rename over the directory fails.
    const target = join(dir, 'transcript.json');
    await mkdir(target);
    await writeFile(join(dir, 'other.json'), 'old');

    const error = await writeFileDurably(target, 'text').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/) });
    expect((await readdir(dir)).sort()).toEqual(['other.json', 'transcript.json']);
    expect(await readdir(target)).toEqual([]);

    await writeFileDurably(join(dir, 'other.json'), 'still working');
    expect(await readFile(join(dir, 'other.json'), 'utf8')).toBe('still working');
  });
});

describe('writeJsonDurably', () => {
  it('writes pretty JSON with a trailing newline, serialised when called', async () => {
    const file = join(dir, 'manifest.json');
    const value = { run_id: 'r1', counts: { complete: 1 } };

    const written = writeJsonDurably(file, value);
    value.counts.complete = 2;
    await written;

    expect(await readFile(file, 'utf8')).toBe('{\n  "run_id": "r1",\n  "counts": {\n    "complete": 1\n  }\n}\n');
  });
});

// A disk that fills up mid-write gives a short write, then ENOSPC. A file-size limit does the
// same (a short write, then EFBIG, once the SIGXFSZ it also sends is handled), without needing
// a full disk, so each case runs in a process of its own under `ulimit -f`.
describe.skipIf(process.platform === 'win32')('a write cut short by the disk', () => {
  // The compiled module, as a user's process loads it (`npm test` builds first).
  const compiled = fileURLToPath(new URL('../../dist/engine/transcript/atomic-write.js', import.meta.url));
  const library = createRequire(import.meta.url).resolve('write-file-atomic');
  const size = 1024 * 1024;

  async function writeUnderLimit(importLine: string, call: string): Promise<{ stdout: string; stderr: string }> {
    const script = join(dir, 'script.mjs');
    await writeFile(
      script,
      `${importLine}
process.on('SIGXFSZ', () => {});
${call}.then(() => console.log('resolved'), (e) => console.log('rejected', e.code));
`,
    );
    // 64 blocks: 32 or 64 kB depending on the shell, far less than the 1 MB written.
    return new Promise((resolve, reject) => {
      execFile('/bin/sh', ['-c', 'ulimit -f 64 && exec "$0" "$@"', process.execPath, script, join(dir, 'scores.json')], { timeout: 10_000 }, (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else resolve({ stdout, stderr });
      });
    });
  }

  it.each([
    ['text', `writeFileDurably(process.argv[2], 'x'.repeat(${size}))`],
    ['pieces', `writeFileDurably(process.argv[2], async (write) => { for (let i = 0; i < ${size / 1024}; i++) await write('x'.repeat(1024)); })`],
  ])('rejects, keeps the old file whole, and leaves no temp file (content as %s)', async (_, call) => {
    expect(existsSync(compiled)).toBe(true);
    await writeFile(join(dir, 'scores.json'), 'the old scores\n');

    const result = await writeUnderLimit(`import { writeFileDurably } from ${JSON.stringify(pathToFileURL(compiled).href)};`, call);

    expect(result).toEqual({ stdout: 'rejected EFBIG\n', stderr: '' });
    expect(await readFile(join(dir, 'scores.json'), 'utf8')).toBe('the old scores\n');
    expect((await readdir(dir)).sort()).toEqual(['scores.json', 'script.mjs']);
  });

  it('(why the bytes are written by the helper) write-file-atomic alone renames the short file over the old one', async () => {
    await writeFile(join(dir, 'scores.json'), 'the old scores\n');

    const result = await writeUnderLimit(`import writeFileAtomic from ${JSON.stringify(pathToFileURL(library).href)};`, `writeFileAtomic(process.argv[2], 'x'.repeat(${size}))`);

    expect(result).toEqual({ stdout: 'resolved\n', stderr: '' });
    const left = await readFile(join(dir, 'scores.json'), 'utf8');
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThan(size);
  });
});
