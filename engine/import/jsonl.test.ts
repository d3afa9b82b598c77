import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRecord, kebab, readJsonl, typeName, type JsonlRow } from './jsonl.js';

async function fileWith(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'driftbench-jsonl-'));
  const file = join(dir, 'rows.jsonl');
  await writeFile(file, text);
  return file;
}

async function rows(file: string): Promise<JsonlRow[]> {
  const out: JsonlRow[] = [];
  for await (const r of readJsonl(file)) out.push(r);
  return out;
}

describe('readJsonl', () => {
  it('yields each non-blank line with its 1-based line number, as an editor counts them', async () => {
    const file = await fileWith('{"a":1}\n\n  \n[2]\r\n"three"\n');
    expect(await rows(file)).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 4, value: [2] },
      { line: 5, value: 'three' },
    ]);
  });

  it('reports a line that is not JSON and carries on with the next', async () => {
    const file = await fileWith('{"a":1}\n{"a":\n{"a":3}');
    const got = await rows(file);
    expect(got).toHaveLength(3);
    expect(got[1]).toMatchObject({ line: 2, error: expect.stringMatching(/^not valid JSON: /) });
    expect(got[2]).toEqual({ line: 3, value: { a: 3 } });
  });

  it('ignores a byte-order mark at the start of the file', async () => {
    const file = await fileWith('\uFEFF{"a":1}\n');
    expect(await rows(file)).toEqual([{ line: 1, value: { a: 1 } }]);
  });

  it('rejects a missing file on the first read', async () => {
    await expect(rows('/no/such/dir/rows.jsonl')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects a folder instead of yielding nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftbench-jsonl-'));
    await mkdir(join(dir, 'sub'));
    await expect(rows(join(dir, 'sub'))).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('can be left early without reading the rest', async () => {
    const file = await fileWith(Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i })).join('\n'));
    const seen: number[] = [];
    for await (const r of readJsonl(file)) {
      seen.push(r.line);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe('row helpers', () => {
  it('names what a value is, for messages', () => {
    expect(typeName(null)).toBe('null');
    expect(typeName([1])).toBe('an array');
    expect(typeName(' ')).toBe('an empty string');
    expect(typeName(3)).toBe('number 3');
    expect(typeName({})).toBe('an object');
    expect(isRecord({})).toBe(true);
    expect(isRecord([])).toBe(false);
  });

  it('turns axis names into tags', () => {
    expect(kebab('INFERENCE_MEMORY')).toBe('inference-memory');
    expect(kebab('  Reliable Version-Editing! ')).toBe('reliable-version-editing');
    expect(kebab('___')).toBe('');
  });
});
