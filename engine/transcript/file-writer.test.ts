import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileWriter } from './file-writer.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftbench-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileWriter', () => {
  it('writes the exact text, and leaves no temp file beside it', async () => {
    const writer = new FileWriter();
    const file = join(dir, 'transcript.json');
    // Multi-byte characters and more than one write(2)'s worth of bytes.
    const text = `{"turns":[${Array.from({ length: 5000 }, (_, i) => `"Grüße ✓ turn ${i}"`).join(',')}]}\n`;

    await writer.write(file, text);

    expect(await readFile(file, 'utf8')).toBe(text);
    expect(await readdir(dir)).toEqual(['transcript.json']);
  });

  it('replaces a longer file entirely, leaving no tail of the old text', async () => {
    const writer = new FileWriter();
    const file = join(dir, 'transcript.json');
    await writeFile(file, 'the old text, which was much longer than the new one');

    await writer.write(file, 'new');

    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['transcript.json']);
  });

  it.each([1, 2, 4])('with %i thread(s), keeps the order of writes to one file issued without waiting', async (threads) => {
    const writer = new FileWriter(threads);
    const file = join(dir, 'transcript.json');
    const landed: number[] = [];

    await Promise.all(Array.from({ length: 40 }, (_, i) => writer.write(file, `version ${i}`).then(() => void landed.push(i))));

    expect(await readFile(file, 'utf8')).toBe('version 39');
    expect(landed).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(await readdir(dir)).toEqual(['transcript.json']);
  });

  it('lands writes spread over many files at once', async () => {
    const writer = new FileWriter();
    const names = Array.from({ length: 100 }, (_, i) => `conversation-${i}.json`);

    await Promise.all(names.map((name) => writer.write(join(dir, name), `{"name":"${name}"}`)));

    expect((await readdir(dir)).sort()).toEqual([...names].sort());
    const texts = await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8')));
    expect(texts).toEqual(names.map((name) => `{"name":"${name}"}`));
  });

  it('never lets a reader see a half-written file', async () => {
    const writer = new FileWriter();
    const file = join(dir, 'transcript.json');
    const size = 256 * 1024;
    await writer.write(file, 'a'.repeat(size));

    let writing = true;
    const writes = Promise.all(Array.from({ length: 30 }, (_, i) => writer.write(file, (i % 2 === 0 ? 'b' : 'a').repeat(size)))).finally(() => {
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
    const writer = new FileWriter();

    const error = await writer.write(join(dir, 'missing', 'transcript.json'), 'text').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes its temp file when the rename fails, and goes on writing afterwards', async () => {
    const writer = new FileWriter(1);
    // A directory where the file should go: the temp file is written, the rename over it fails.
    const target = join(dir, 'transcript.json');
    await mkdir(target);

    const error = await writer.write(target, 'text').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/) });
    expect(await readdir(dir)).toEqual(['transcript.json']);
    expect(await readdir(target)).toEqual([]);

    await writer.write(join(dir, 'next.json'), 'still working');
    expect(await readFile(join(dir, 'next.json'), 'utf8')).toBe('still working');
  });
});

describe('FileWriter in a process of its own', () => {
  // The compiled module, as a user's process loads it (`npm test` builds first).
  const compiled = pathToFileURL(fileURLToPath(new URL('../../dist/engine/transcript/file-writer.js', import.meta.url))).href;

  async function runScript(source: string, args: string[]): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }> {
    const script = join(dir, 'script.mjs');
    await writeFile(script, source);
    const started = performance.now();
    return new Promise((resolve) => {
      execFile(process.execPath, [script, ...args], { timeout: 5000 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, signal: error?.signal ?? null, stdout, stderr, ms: performance.now() - started });
      });
    });
  }

  it('stays alive until a write it did not wait for has landed, then exits by itself', async () => {
    expect(existsSync(fileURLToPath(compiled))).toBe(true);
    const file = join(dir, 'transcript.json');

    // Nothing awaits the write and nothing else is pending: only the writer can keep this process up.
    const result = await runScript(
      `import { FileWriter } from ${JSON.stringify(compiled)};
new FileWriter().write(process.argv[2], 'landed').then(() => console.log('written'));
`,
      [file],
    );

    expect(result).toMatchObject({ code: 0, signal: null, stdout: 'written\n', stderr: '' });
    expect(result.ms).toBeLessThan(5000);
    expect(await readFile(file, 'utf8')).toBe('landed');
  });

  it('does not keep a process alive with threads started and nothing to write', async () => {
    const result = await runScript(
      `import { FileWriter } from ${JSON.stringify(compiled)};
new FileWriter().start();
console.log('started');
`,
      [],
    );

    expect(result).toMatchObject({ code: 0, signal: null, stdout: 'started\n', stderr: '' });
    expect(result.ms).toBeLessThan(5000);
  });
});
