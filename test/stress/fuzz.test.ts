import { readFileSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TranscriptError, formatProblem } from '../../engine/errors.js';
import { validateScenarioBytes, type FileVerdict } from '../../engine/scenario/validate.js';
import { TOO_DEEP } from '../../engine/scenario/yaml-source.js';
import { validatorFor } from '../../engine/schemas/compile.js';
import type { Scores } from '../../engine/schemas/scores.generated.js';
import { TRANSCRIPT_FORMAT } from '../../engine/transcript/format.js';
import { parseTranscript } from '../../engine/transcript/run-store.js';
import { repoRoot, runBin, STACK_LINE } from '../helpers/cli.js';
import { tempDir } from '../helpers/replay.js';

/**
 * Property-based fuzzing of the two edges where users hand driftbench files: scenario YAML
 * (`validate`) and transcript JSON (`score`). Malformed input must come back as located
 * problems or a TranscriptError, never as a crash or a stack trace (STYLE.md section 4).
 * Seeds are fixed so a failure in CI reproduces locally; fast-check prints the shrunk input.
 */

export interface FuzzScale {
  name: string;
  seed: number;
  /** numRuns of each in-process property. */
  runs: number;
  /** Scenario files written to one folder for a single `driftbench validate` run. */
  binarySamples: number;
  singleFileRuns: number;
  /** Conversations per model in the run that `driftbench score` gets, and how many are corrupted. */
  scoreRepeats: number;
  badTranscripts: number;
  timeoutMs: number;
}

export const DEFAULT_SCALE: FuzzScale = { name: 'fuzz', seed: 20_260_611, runs: 1000, binarySamples: 30, singleFileRuns: 4, scoreRepeats: 3, badTranscripts: 3, timeoutMs: 60_000 };

// ---------------------------------------------------------------------------------------------
// Inputs. A document is held as a latin1 string (one char per byte), so line edits and byte
// edits (invalid UTF-8, NUL) compose; text that is inserted is UTF-8-encoded first.

type Doc = string;
interface Edit {
  label: string;
  apply: (d: Doc) => Doc;
}
interface FuzzInput {
  how: string;
  bytes: Uint8Array;
}

const utf8 = (s: string): Doc => Buffer.from(s, 'utf8').toString('latin1');
const edit = (label: string, apply: (d: Doc) => Doc): Edit => ({ label, apply });
const pick = (i: number, n: number) => (n === 0 ? 0 : i % n);

function preview(bytes: Uint8Array): string {
  let text: string;
  try {
    text = JSON.stringify(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    text = `(not UTF-8, as latin1) ${JSON.stringify(Buffer.from(bytes).toString('latin1'))}`;
  }
  return text.length > 4000 ? `${text.slice(0, 4000)}... (${bytes.length} bytes)` : text;
}

/** fast-check prints counterexamples with this, so a failure shows the edits and the file. */
function fuzzInput(how: string, bytes: Uint8Array): FuzzInput {
  return { how, bytes, [fc.toStringMethod]: () => `${how}\n${preview(bytes)}` } as FuzzInput;
}

function onLines(d: Doc, f: (lines: string[]) => void): Doc {
  const lines = d.split('\n');
  f(lines);
  return lines.join('\n');
}

/** `key: value` or `- value` with its value replaced; other lines unchanged. */
function withValue(line: string, value: (old: string) => string): string {
  const kv = /^(\s*(?:- )?[^:#\s][^:#]*:)(?: (.*))?$/.exec(line);
  if (kv) return `${kv[1]} ${value(kv[2] ?? '')}`;
  const item = /^(\s*- )(.*)$/.exec(line);
  return item ? `${item[1]}${value(item[2]!)}` : line;
}

function indentOf(line: string): string {
  const m = /^(\s*)(- )?/.exec(line)!;
  return m[1]! + (m[2] ? '  ' : '');
}

const WRONG_VALUES = [
  '123',
  '-1',
  '0',
  '3.14',
  '1e400',
  '99999999999999999999999',
  'true',
  'false',
  'null',
  '~',
  '""',
  "''",
  '[]',
  '{}',
  '[1, 2]',
  '{a: 1}',
  '[[[]]]',
  '.inf',
  '-.nan',
  '0x1F',
  '0o17',
  '2001-12-14',
  '2001-12-14T21:59:43.10-05:00',
  '|',
  '>-',
  '"\\u0000"',
  '"\\uD800"',
  'yes',
  '- a',
  '!!binary aGVsbG8=',
  `"${'x'.repeat(5000)}"`,
  '@',
  '`x`',
  '%',
  '? x',
];
const TAGS = [
  '!!str',
  '!!int',
  '!!float',
  '!!bool',
  '!!null',
  '!!binary',
  '!!timestamp',
  '!!set',
  '!!omap',
  '!!pairs',
  '!!map',
  '!!seq',
  '!custom',
  '!<tag:yaml.org,2002:str>',
  '!!merge',
  '!!js/function',
  '!',
];
const ODD_KEYS = [
  '"a\\nb": 1',
  '? [a, b]\n: c',
  '__proto__: {}',
  'constructor: 1',
  'prototype: x',
  '"": x',
  `${'k'.repeat(2000)}: v`,
  '? |\n  block key\n: v',
  '"\\u0000": 1',
  '? {a: 1}\n: b',
  'id: second-id',
];
const MARKERS = ['---', '...', '%YAML 1.1', '%YAML 1.2', '%YAML 2.0', '%TAG ! tag:example.com,2000:', '--- !!map', '--- |', '# comment', '%FOO bar'];
const BAD_UTF8 = [
  [0xff],
  [0xfe],
  [0x80],
  [0xc3, 0x28],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xfe, 0xff],
  [0xff, 0xfe],
];
const ODD_TEXT = ['\u2028', '\u00a0', '\ufeff', '\u200f', '\u{1F600}', 'e\u0301', '\r', '\r\n', '\u0085', '\x7f', '\x1b[31m'];
const MERGES = ['<<: *a', '<<: [*a, *a]', '<<: 1', '<<: *nope', '<<: {}', '!!merge <<: 1', '!!merge <<: *a', '<<: [1, 2]'];

const anchor = (name: string) => (old: string) => `&${name}${old ? ` ${old}` : ''}`;

function aliasBomb(levels: number, fan: number): string[] {
  const lines = ['bomb0: &b0 [lol, lol]'];
  for (let k = 1; k < levels; k++) lines.push(`bomb${k}: &b${k} [${Array.from({ length: fan }, () => `*b${k - 1}`).join(', ')}]`);
  return lines;
}

function nesting(kind: 'flow-seq' | 'flow-map' | 'unclosed' | 'block-map' | 'block-seq', depth: number, indent: string): string {
  switch (kind) {
    case 'flow-seq':
      return '['.repeat(depth) + ']'.repeat(depth);
    case 'flow-map':
      return `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
    case 'unclosed':
      return '['.repeat(depth);
    case 'block-seq':
      return `${'- '.repeat(depth)}x`;
    case 'block-map': {
      // Quadratic in depth; capped so the file stays far below the 2 MB limit.
      const d = Math.min(depth, 300);
      return `\n${Array.from({ length: d }, (_, k) => `${indent}${'  '.repeat(k + 1)}k${k}:`).join('\n')} leaf`;
    }
  }
}

const lineEdits: fc.Arbitrary<Edit>[] = [
  fc.nat().map((i) => edit(`delete line ${i}`, (d) => onLines(d, (ls) => void ls.splice(pick(i, ls.length), 1)))),
  fc.nat().map((i) => edit(`duplicate line ${i}`, (d) => onLines(d, (ls) => void ls.splice(pick(i, ls.length), 0, ls[pick(i, ls.length)]!)))),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]) =>
    edit(`swap lines ${i} ${j}`, (d) =>
      onLines(d, (ls) => {
        const [a, b] = [pick(i, ls.length), pick(j, ls.length)];
        [ls[a], ls[b]] = [ls[b]!, ls[a]!];
      }),
    ),
  ),
  fc.tuple(fc.nat(), fc.nat(), fc.boolean()).map(([i, p, indent]) =>
    edit(`tab in line ${i} ${indent ? 'as indentation' : `at ${p}`}`, (d) =>
      onLines(d, (ls) => {
        const k = pick(i, ls.length);
        const l = ls[k]!;
        ls[k] = indent ? l.replace(/^ {1,2}/, '\t') : `${l.slice(0, pick(p, l.length + 1))}\t${l.slice(pick(p, l.length + 1))}`;
      }),
    ),
  ),
  fc
    .tuple(fc.nat(), fc.integer({ min: -4, max: 4 }))
    .map(([i, by]) =>
      edit(`indent line ${i} by ${by}`, (d) =>
        onLines(d, (ls) => void (ls[pick(i, ls.length)] = by >= 0 ? ' '.repeat(by) + ls[pick(i, ls.length)]! : ls[pick(i, ls.length)]!.slice(-by))),
      ),
    ),
  fc
    .tuple(fc.nat(), fc.constantFrom(...WRONG_VALUES))
    .map(([i, v]) => edit(`value of line ${i} := ${v.slice(0, 20)}`, (d) => onLines(d, (ls) => void (ls[pick(i, ls.length)] = withValue(ls[pick(i, ls.length)]!, () => utf8(v)))))),
  fc
    .tuple(fc.nat(), fc.constantFrom(...TAGS))
    .map(([i, t]) => edit(`tag ${t} on line ${i}`, (d) => onLines(d, (ls) => void (ls[pick(i, ls.length)] = withValue(ls[pick(i, ls.length)]!, (old) => `${t} ${old}`))))),
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('"', "'", '\\', '"unclosed', "'unclosed", '"bad \\q escape"', "'it''s'''")).map(([i, p, q]) =>
    edit(`quote ${q} in line ${i} at ${p}`, (d) =>
      onLines(d, (ls) => {
        const k = pick(i, ls.length);
        const l = ls[k]!;
        const at = pick(p, l.length + 1);
        ls[k] = q.length > 1 && p % 2 === 0 ? withValue(l, () => q) : l.slice(0, at) + q + l.slice(at);
      }),
    ),
  ),
  fc
    .tuple(
      fc.nat(),
      fc.integer({ min: 2, max: 5000 }),
      fc.constantFrom('flow-seq', 'flow-map', 'unclosed', 'block-map', 'block-seq') as fc.Arbitrary<Parameters<typeof nesting>[0]>,
    )
    .map(([i, depth, kind]) =>
      edit(`${kind} nesting ${depth} deep at line ${i}`, (d) =>
        onLines(d, (ls) => void (ls[pick(i, ls.length)] = withValue(ls[pick(i, ls.length)]!, () => nesting(kind, depth, indentOf(ls[pick(i, ls.length)]!))))),
      ),
    ),
  fc.tuple(fc.nat(), fc.constantFrom(...ODD_KEYS)).map(([i, key]) =>
    edit(`key ${JSON.stringify(key.slice(0, 20))} before line ${i}`, (d) =>
      onLines(d, (ls) => {
        const k = pick(i, ls.length);
        ls.splice(
          k,
          0,
          ...utf8(key)
            .split('\n')
            .map((l) => indentOf(ls[k] ?? '') + l),
        );
      }),
    ),
  ),
  fc.tuple(fc.nat(), fc.constantFrom(...MARKERS)).map(([i, m]) => edit(`${m} before line ${i}`, (d) => onLines(d, (ls) => void ls.splice(pick(i, ls.length + 1), 0, m)))),
  fc.tuple(fc.nat(), fc.string({ maxLength: 40 })).map(([i, s]) => edit(`line ${i} := ${JSON.stringify(s)}`, (d) => onLines(d, (ls) => void (ls[pick(i, ls.length)] = utf8(s))))),
];

const aliasEdits: fc.Arbitrary<Edit>[] = [
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]) =>
    edit(`anchor &a on line ${i}, alias *a on line ${j}`, (d) =>
      onLines(d, (ls) => {
        ls[pick(i, ls.length)] = withValue(ls[pick(i, ls.length)]!, anchor('a'));
        ls[pick(j, ls.length)] = withValue(ls[pick(j, ls.length)]!, () => '*a');
      }),
    ),
  ),
  fc
    .tuple(fc.nat(), fc.constantFrom('*nope', '&r [*r]', '&r {k: *r}', '*', '&', '&a &b x', '*a *b'))
    .map(([i, v]) => edit(`value of line ${i} := ${v}`, (d) => onLines(d, (ls) => void (ls[pick(i, ls.length)] = withValue(ls[pick(i, ls.length)]!, () => v))))),
  fc.tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 10 }), fc.nat()).map(([levels, fan, i]) =>
    edit(`alias bomb ${levels} levels of ${fan} before top-level line ${i}`, (d) =>
      onLines(d, (ls) => {
        const top = ls.flatMap((l, k) => (/^\S/.test(l) ? [k] : []));
        ls.splice(top.length ? top[pick(i, top.length)]! : 0, 0, ...aliasBomb(levels, fan));
      }),
    ),
  ),
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...MERGES), fc.boolean()).map(([i, j, merge, yaml11]) =>
    edit(`${yaml11 ? '%YAML 1.1, ' : ''}anchor &a on line ${i}, "${merge}" after line ${j}`, (d) => {
      const out = onLines(d, (ls) => {
        ls[pick(i, ls.length)] = withValue(ls[pick(i, ls.length)]!, anchor('a'));
        const k = pick(j, ls.length);
        ls.splice(k + 1, 0, indentOf(ls[k]!) + merge);
      });
      return yaml11 ? `%YAML 1.1\n---\n${out}` : out;
    }),
  ),
];

const byteEdits: fc.Arbitrary<Edit>[] = [
  fc.nat().map((n) => edit(`truncate at ${n}`, (d) => d.slice(0, pick(n, d.length + 1)))),
  fc
    .tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .map(([o, b]) => edit(`insert bytes ${[...b]} at ${o}`, (d) => insertAt(d, o, Buffer.from(b).toString('latin1')))),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([o, b]) =>
    edit(`overwrite bytes ${[...b]} at ${o}`, (d) => {
      const at = pick(o, d.length + 1);
      return d.slice(0, at) + Buffer.from(b).toString('latin1') + d.slice(at + b.length);
    }),
  ),
  fc.tuple(fc.nat(), fc.constantFrom(...BAD_UTF8)).map(([o, b]) => edit(`non-UTF-8 bytes ${b} at ${o}`, (d) => insertAt(d, o, Buffer.from(b).toString('latin1')))),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 3 })).map(([o, n]) => edit(`${n} NUL byte(s) at ${o}`, (d) => insertAt(d, o, '\0'.repeat(n)))),
  fc.tuple(fc.nat(), fc.constantFrom(...ODD_TEXT)).map(([o, t]) => edit(`insert ${JSON.stringify(t)} at ${o}`, (d) => insertAt(d, o, utf8(t)))),
  fc.constantFrom('\r\n', '\r').map((eol) => edit(`line endings ${JSON.stringify(eol)}`, (d) => d.replaceAll('\n', eol))),
  fc.constant(edit('UTF-8 BOM', (d) => `\xef\xbb\xbf${d}`)),
];

function insertAt(d: Doc, offset: number, s: string): Doc {
  const at = pick(offset, d.length + 1);
  return d.slice(0, at) + s + d.slice(at);
}

const minimalScenario = utf8(readFileSync(join(repoRoot, 'test/fixtures/valid-suite/minimal.yaml'), 'utf8'));

/** The minimal valid scenario with one to five edits applied in turn. */
function mutatedScenario(edits: fc.Arbitrary<Edit>[] = [...lineEdits, ...aliasEdits, ...byteEdits]): fc.Arbitrary<FuzzInput> {
  return fc.array(fc.oneof(...edits), { minLength: 1, maxLength: 5 }).map((es) => {
    const doc = es.reduce((d, e) => e.apply(d), minimalScenario);
    return fuzzInput(`minimal.yaml, then: ${es.map((e) => e.label).join('; ')}`, new Uint8Array(Buffer.from(doc, 'latin1')));
  });
}

const TOKENS = [
  'id',
  'steps',
  'step',
  'prompt',
  'judge',
  'fixtures',
  ':',
  ': ',
  '- ',
  '\n',
  '  ',
  '\t',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '&a ',
  '*a',
  '<<',
  '!!',
  '!',
  '? ',
  '|',
  '>',
  '#',
  '%',
  '---',
  '...',
  '@',
  '`',
  'x',
  '1',
  '-1',
  'null',
  '\\',
  '\r',
  '\u00e9',
  '\u{1F600}',
];

/** Inputs with no scenario behind them: bytes, strings, YAML token soup, JSON. */
function arbitraryScenario(): fc.Arbitrary<FuzzInput> {
  const text = (how: string) => (s: string) => fuzzInput(how, new Uint8Array(Buffer.from(s, 'utf8')));
  return fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((b) => fuzzInput('random bytes', b)),
    fc.string({ unit: 'binary', maxLength: 256 }).map(text('random code points')),
    fc.string({ unit: 'grapheme', maxLength: 256 }).map(text('random graphemes')),
    fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((ts) => text('YAML token soup')(ts.join(''))),
    fc.jsonValue({ maxDepth: 4 }).map((v) => text('JSON value')(JSON.stringify(v) ?? 'null')),
  );
}

// ---------------------------------------------------------------------------------------------
// The scenario property.

interface VerdictStats {
  inputs: number;
  invalid: number;
  messages: Set<string>;
}

/** Line breaks as YAML counts them (LF, CRLF, lone CR): no problem may point past the last line. */
function lineCount(bytes: Uint8Array): number {
  let n = 1;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10 || (bytes[i] === 13 && bytes[i + 1] !== 10)) n++;
  return n;
}

function checkScenarioVerdict(file: string, input: FuzzInput, stats?: VerdictStats): FileVerdict {
  const v = validateScenarioBytes(file, input.bytes);
  expect(v.file).toBe(file);
  // A verdict either loads the scenario or says why not, never both, never neither.
  expect(v.loaded === undefined, 'loaded xor problems').toBe(v.problems.length > 0);
  const lines = lineCount(input.bytes);
  for (const p of v.problems) {
    const where = formatProblem(p);
    expect(p.file, where).toBe(file);
    expect(Number.isInteger(p.line) && p.line >= 1 && p.line <= lines, `line in 1..${lines}: ${where}`).toBe(true);
    expect(Number.isInteger(p.col) && p.col >= 1, `col >= 1: ${where}`).toBe(true);
    expect(typeof p.message === 'string' && p.message.trim() !== '', `message: ${where}`).toBe(true);
    expect(p.message, where).not.toMatch(STACK_LINE);
  }
  if (v.loaded) expect(v.loaded.hash).toMatch(/^[0-9a-f]{64}$/);
  if (stats) {
    stats.inputs++;
    if (v.problems.length > 0) stats.invalid++;
    for (const p of v.problems) stats.messages.add(p.message);
  }
  return v;
}

const newStats = (): VerdictStats => ({ inputs: 0, invalid: 0, messages: new Set() });
const sawMessage = (stats: VerdictStats, part: string) => [...stats.messages].some((m) => m.includes(part));

// ---------------------------------------------------------------------------------------------
// Transcripts: a valid one from a rehearsal run, then edited.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = Array<string | number>;

/** Every node with its path; an edit never needs to reach below the transcript's own depth. */
function nodesOf(v: Json, prefix: Path = [], out: Array<{ path: Path; node: Json }> = []): Array<{ path: Path; node: Json }> {
  out.push({ path: prefix, node: v });
  if (prefix.length >= 12) return out;
  if (Array.isArray(v)) v.forEach((x, i) => nodesOf(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) nodesOf(x, [...prefix, k], out);
  return out;
}

const nodeAt = (root: Json, path: Path): Json => path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, root);

function parentOf(root: Json, path: Path): Json {
  return nodeAt(root, path.slice(0, -1));
}

/** Edits the parsed JSON at the path-th node (of those `filter` accepts); text that does not parse is left as is. */
function jsonEdit(label: string, i: number, f: (root: Json, path: Path) => Json, filter: (node: Json, path: Path) => boolean = (_, p) => p.length > 0): Edit {
  return edit(label, (text) => {
    try {
      const root = JSON.parse(text) as Json;
      const paths = nodesOf(root).filter(({ node, path }) => filter(node, path));
      if (paths.length === 0) return text;
      const { path } = paths[pick(i, paths.length)]!;
      return JSON.stringify(f(root, path));
    } catch {
      // Not JSON (an earlier edit broke it), or nested too deep for this helper to walk.
      return text;
    }
  });
}

function setAt(root: Json, path: Path, value: Json): Json {
  if (path.length === 0) return value;
  (parentOf(root, path) as Record<string | number, Json>)[path.at(-1)!] = value;
  return root;
}

function deleteAt(root: Json, path: Path): Json {
  const parent = parentOf(root, path);
  if (Array.isArray(parent)) parent.splice(path.at(-1) as number, 1);
  else delete (parent as Record<string, Json>)[path.at(-1) as string];
  return root;
}

function flipType(v: Json): Json {
  if (v === null) return '';
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i), x]));
  switch (typeof v) {
    case 'string':
      return v.length;
    case 'number':
      return String(v);
    case 'boolean':
      return v ? 'true' : 0;
    default:
      return Object.values(v);
  }
}

/** Stands in for deeply nested arrays, which are spliced into the text: JSON.stringify is quadratic in depth. */
const DEEP = '\u0000deep\u0000';
const KEYS = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'format', 'turns', 'step', 'extra'), fc.string({ maxLength: 12 }));
const ODD_NUMBERS: Json[] = [-1, 0, 0.5, -0, 1e308, -1e308, 2 ** 53 + 1, 1e-320];

const truncateEdit = fc.nat().map((n) => edit(`truncate at ${n}`, (t) => t.slice(0, pick(n, t.length))));
const deleteEdit = fc.nat().map((i) => jsonEdit(`delete node ${i}`, i, deleteAt));
const wrongTypeEdit = fc.nat().map((i) => jsonEdit(`flip the type of node ${i}`, i, (r, p) => setAt(r, p, flipType(nodeAt(r, p)))));
const garbage = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom('', 'null', '[]', '{}', '""', '0', 'true', '{"format": "driftbench.transcript/1"}', '\ufeff{}', '['.repeat(100_000)),
);

const TRANSCRIPT_EDIT_KINDS = {
  truncate: [truncateEdit],
  delete: [deleteEdit],
  wrongType: [wrongTypeEdit],
  text: [
    fc.tuple(fc.nat(), fc.string({ maxLength: 8 })).map(([o, s]) => edit(`insert ${JSON.stringify(s)} at ${o}`, (t) => insertAt(t, o, s))),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })).map(([o, n]) => edit(`delete ${n} chars at ${o}`, (t) => t.slice(0, pick(o, t.length)) + t.slice(pick(o, t.length) + n))),
    fc.tuple(fc.nat(), fc.constantFrom(...'{}[]",:\\ 0a-e.')).map(([o, c]) => edit(`char ${o} := ${c}`, (t) => t.slice(0, pick(o, t.length)) + c + t.slice(pick(o, t.length) + 1))),
    fc.constantFrom('\ufeff', '// edited\n', '{"format": 1, ').map((s) => edit(`prepend ${JSON.stringify(s)}`, (t) => (s.startsWith('{') ? s + t.slice(1) : s + t))),
    fc.string({ minLength: 1, maxLength: 20 }).map((s) => edit(`append ${JSON.stringify(s)}`, (t) => t + s)),
  ],
};

const transcriptEdits: fc.Arbitrary<Edit>[] = [
  truncateEdit,
  deleteEdit,
  wrongTypeEdit,
  ...TRANSCRIPT_EDIT_KINDS.text,
  fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 })).map(([i, v]) => jsonEdit(`node ${i} := ${JSON.stringify(v)?.slice(0, 40)}`, i, (r, p) => setAt(r, p, v as Json))),
  fc.tuple(fc.nat(), fc.constantFrom(...ODD_NUMBERS, '', 'x'.repeat(10_000), 'driftbench.transcript/2')).map(([i, v]) =>
    jsonEdit(
      `scalar ${i} := ${String(v).slice(0, 20)}`,
      i,
      (r, p) => setAt(r, p, v),
      (n, p) => p.length > 0 && (n === null || typeof n !== 'object'),
    ),
  ),
  fc.tuple(fc.nat(), KEYS, fc.jsonValue({ maxDepth: 1 })).map(([i, k, v]) =>
    jsonEdit(
      `add key ${JSON.stringify(k)} to object ${i}`,
      i,
      (r, p) => (((nodeAt(r, p) as Record<string, Json>)[k] = v as Json), r),
      (n) => n !== null && typeof n === 'object' && !Array.isArray(n),
    ),
  ),
  fc.tuple(fc.nat(), KEYS).map(([i, k]) =>
    jsonEdit(
      `rename key ${i} to ${JSON.stringify(k)}`,
      i,
      (r, p) => {
        const parent = parentOf(r, p) as Record<string, Json>;
        const v = parent[p.at(-1) as string]!;
        delete parent[p.at(-1) as string];
        parent[k] = v;
        return r;
      },
      (_, p) => typeof p.at(-1) === 'string',
    ),
  ),
  fc.tuple(fc.nat(), fc.constantFrom('empty', 'duplicate', 'reverse')).map(([i, how]) =>
    jsonEdit(
      `${how} array ${i}`,
      i,
      (r, p) => {
        const a = nodeAt(r, p) as Json[];
        if (how === 'empty') a.length = 0;
        else if (how === 'duplicate') a.push(...a);
        else a.reverse();
        return r;
      },
      (n) => Array.isArray(n),
    ),
  ),
  fc.tuple(fc.nat(), fc.integer({ min: 2, max: 5000 })).map(([i, depth]) => {
    const deep = jsonEdit(`node ${i} := arrays ${depth} deep`, i, (r, p) => setAt(r, p, DEEP));
    return edit(deep.label, (t) => deep.apply(t).replace(JSON.stringify(DEEP), '['.repeat(depth) + ']'.repeat(depth)));
  }),
];

interface TranscriptInput {
  how: string;
  text: string;
}

function transcriptInput(how: string, text: string): TranscriptInput {
  return { how, text, [fc.toStringMethod]: () => `${how}\n${JSON.stringify(text.length > 4000 ? `${text.slice(0, 4000)}...` : text)}` } as TranscriptInput;
}

function mutatedTranscript(bases: readonly string[], edits: fc.Arbitrary<Edit>[] = transcriptEdits): fc.Arbitrary<TranscriptInput> {
  return fc.tuple(fc.nat(bases.length - 1), fc.array(fc.oneof(...edits), { minLength: 1, maxLength: 4 })).map(([b, es]) =>
    transcriptInput(
      `transcript ${b}, then: ${es.map((e) => e.label).join('; ')}`,
      es.reduce((t, e) => e.apply(t), bases[b]!),
    ),
  );
}

function garbageTranscript(): fc.Arbitrary<TranscriptInput> {
  return garbage.map((g) => transcriptInput('garbage', g));
}

/** parseTranscript returns a transcript that validates, or throws a TranscriptError naming the file. */
function checkTranscript(file: string, input: TranscriptInput, stats?: { accepted: number; rejected: number }): void {
  let t: unknown;
  try {
    t = parseTranscript(file, input.text);
  } catch (e) {
    if (!(e instanceof TranscriptError)) throw new Error(`parseTranscript threw ${(e as Error)?.name} instead of a TranscriptError: ${(e as Error)?.message}`, { cause: e });
    expect(e.message.startsWith(`${file}: `), e.message).toBe(true);
    expect(e.message).not.toMatch(STACK_LINE);
    if (stats) stats.rejected++;
    return;
  }
  expect(validatorFor('transcript')(t), 'a transcript parseTranscript accepts validates').toBe(true);
  expect((t as { format: string }).format).toBe(TRANSCRIPT_FORMAT);
  if (stats) stats.accepted++;
}

// ---------------------------------------------------------------------------------------------
// The suite, at a given scale; fuzz-long.stress.ts runs it with 20,000 runs per property.

const THREE = 'test/fixtures/replay/three-steps.yaml';

async function rehearsalRun(repeats: number): Promise<string> {
  const out = await tempDir('driftbench-fuzz-');
  const r = await runBin(['run', THREE, '--provider', 'rehearsal', '--repeats', String(repeats), '--effort', 'high', '--out', out, '--run-name', 'r'], { env: {} });
  expect(r.code, r.stderr).toBe(0);
  return join(out, 'r');
}

/** Takes up to `n` samples of an arbitrary that satisfy `keep`, deterministically. */
function sampleWhere<T>(arb: fc.Arbitrary<T>, n: number, seed: number, keep: (x: T) => boolean): T[] {
  return fc
    .sample(arb, { numRuns: Math.max(20, n * 20), seed })
    .filter(keep)
    .slice(0, n);
}

function isInvalidOrCrashes(input: FuzzInput): boolean {
  try {
    return validateScenarioBytes('sample.yaml', input.bytes).problems.length > 0;
  } catch {
    return true; // the binary must not crash on it either; let it show
  }
}

const STACK_OVERFLOW = 'Maximum call stack size exceeded';

function verdictOrCrash(file: string, input: FuzzInput): FileVerdict | undefined {
  try {
    return validateScenarioBytes(file, input.bytes);
  } catch {
    return undefined;
  }
}

export function defineFuzzSuite(scale: FuzzScale): void {
  const params = (offset: number) => ({ numRuns: scale.runs, seed: scale.seed + offset });
  /** Checks the verdict on every input `inputs` makes, and tallies what the verdicts said. */
  const scenarioVerdicts = (inputs: fc.Arbitrary<FuzzInput>, offset: number): VerdictStats => {
    const stats = newStats();
    fc.assert(
      fc.property(inputs, (input) => void checkScenarioVerdict('fuzz.yaml', input, stats)),
      params(offset),
    );
    return stats;
  };

  describe(`${scale.name}: scenario YAML`, () => {
    it(
      `validateScenarioBytes locates every problem in ${scale.runs} mutations of a valid scenario, and never throws`,
      () => {
        const stats = scenarioVerdicts(mutatedScenario(), 1);
        // The generator must reach each kind of problem, or the property proves little.
        expect(stats.invalid).toBeGreaterThanOrEqual(scale.runs * 0.8);
        for (const part of [
          'contains a NUL byte',
          'not valid UTF-8',
          'alias bomb',
          'Tabs are not allowed',
          'is never closed',
          'missing required field',
          'unknown field',
          ' must be ',
          'duplicate key "',
          'one YAML document',
        ]) {
          expect(sawMessage(stats, part), `no input produced a problem saying "${part}"`).toBe(true);
        }
      },
      scale.timeoutMs,
    );

    it(
      `validateScenarioBytes locates every problem in ${scale.runs} arbitrary inputs, and never throws`,
      () => {
        expect(scenarioVerdicts(arbitraryScenario(), 2).invalid).toBeGreaterThanOrEqual(scale.runs * 0.95);
      },
      scale.timeoutMs,
    );

    it(
      `driftbench validate prints ${scale.binarySamples} malformed files as file:line:col lines, exit 2, no stack`,
      async () => {
        // A few of every kind of edit, then arbitrary inputs, all malformed (or crashing in process).
        const kinds = [...lineEdits, ...aliasEdits, ...byteEdits].map((e) => mutatedScenario([e]));
        const perKind = Math.max(1, Math.floor((scale.binarySamples * 0.8) / kinds.length));
        const mutated = kinds.flatMap((arb, k) => sampleWhere(arb, perKind, scale.seed + 100 + k, isInvalidOrCrashes));
        const samples = [...mutated, ...sampleWhere(arbitraryScenario(), scale.binarySamples - mutated.length, scale.seed + 99, isInvalidOrCrashes)];
        expect(samples.length).toBe(scale.binarySamples);

        const dir = await tempDir('driftbench-fuzz-validate-');
        const names = samples.map((_, i) => `fuzz-${String(i).padStart(3, '0')}.yaml`);
        await Promise.all(samples.map((s, i) => writeFile(join(dir, names[i]!), s.bytes)));
        const singles = Array.from({ length: scale.singleFileRuns }, (_, k) => Math.floor((k * samples.length) / scale.singleFileRuns));
        const [folder, ...single] = await Promise.all([runBin(['validate', '.'], { cwd: dir }), ...singles.map((i) => runBin(['validate', names[i]!], { cwd: dir }))]);

        const located = /^fuzz-\d{3}\.yaml:\d+:\d+: \S/;
        for (const [r, only] of [[folder!, undefined], ...single.map((r, k) => [r, singles[k]] as const)] as const) {
          const what = only === undefined ? 'validate .' : `validate ${names[only]} (${samples[only]!.how})`;
          expect(r.stderr, what).not.toMatch(STACK_LINE);
          expect(r.code, `${what}\n${r.stderr}`).toBe(2);
          expect(r.stdout, what).not.toMatch(/: ok:/);
          for (const line of r.stderr.split('\n')) if (/fuzz-\d{3}\.yaml/.test(line)) expect(line, what).toMatch(located);
          // The binary prints exactly what the pure function finds.
          for (const i of only === undefined ? samples.keys() : [only]) {
            const name = names[i]!;
            const v = verdictOrCrash(name, samples[i]!);
            expect(v, `${name} crashes validateScenarioBytes: ${samples[i]!.how}`).toBeDefined();
            const own = r.stderr.split('\n').filter((l) => l.startsWith(`${name}:`));
            expect(own.length, `${what}: no problem reported for ${name}`).toBeGreaterThan(0);
            // Nesting deep enough to exhaust the yaml parser's stack (reported as TOO_DEEP) is
            // found or not depending on how much stack the caller left: this worker may parse a
            // file the CLI cannot. For such files only the located lines above are compared.
            const stackDependent = [...v!.problems.map((p) => p.message), ...own].some((m) => m.endsWith(STACK_OVERFLOW) || m.endsWith(TOO_DEEP));
            if (!stackDependent) for (const p of v!.problems) expect(r.stderr, `${what}: ${name}`).toContain(formatProblem(p));
          }
        }
      },
      scale.timeoutMs,
    );
  });

  describe(`${scale.name}: transcripts`, () => {
    let bases: string[];
    let scoreRun: string;
    beforeAll(async () => {
      const [small, large] = await Promise.all([rehearsalRun(1), rehearsalRun(scale.scoreRepeats)]);
      const conv = join(small!, 'conversations');
      bases = await Promise.all((await readdir(conv)).sort().map((f) => readFile(join(conv, f), 'utf8')));
      expect(bases).toHaveLength(2);
      scoreRun = large!;
    }, scale.timeoutMs);

    it(
      `parseTranscript accepts a valid transcript or throws a TranscriptError, on ${scale.runs} edited transcripts and garbage`,
      () => {
        const file = '/runs/r/conversations/fuzz.json';
        for (const b of bases) checkTranscript(file, transcriptInput('as written', b));
        expect(() => parseTranscript(file, bases[0]!)).not.toThrow();
        const stats = { accepted: 0, rejected: 0 };
        fc.assert(
          fc.property(mutatedTranscript(bases), (input) => void checkTranscript(file, input, stats)),
          params(3),
        );
        fc.assert(
          fc.property(garbageTranscript(), (input) => void checkTranscript(file, input, stats)),
          { ...params(4), numRuns: Math.ceil(scale.runs / 4) },
        );
        expect(stats.rejected).toBeGreaterThanOrEqual(scale.runs);
      },
      scale.timeoutMs,
    );

    it(
      'driftbench score skips truncated and hand-edited transcripts, says why, and scores the rest',
      async () => {
        const conv = join(scoreRun, 'conversations');
        const names = (await readdir(conv)).sort();
        expect(names).toHaveLength(2 * scale.scoreRepeats);
        const kinds = Object.values(TRANSCRIPT_EDIT_KINDS);
        const bad = new Map<string, string>();
        for (let k = 0; k < scale.badTranscripts; k++) {
          const name = names[(k * 2 + 1) % names.length]!;
          const file = join(conv, name);
          const text = await readFile(file, 'utf8');
          const [edited] = sampleWhere(mutatedTranscript([text], kinds[k % kinds.length]), 1, scale.seed + 200 + k, (x) => {
            try {
              parseTranscript(file, x.text);
              return false;
            } catch (e) {
              return e instanceof TranscriptError;
            }
          });
          expect(edited, `no edit of kind ${k % kinds.length} broke ${name}`).toBeDefined();
          await writeFile(file, edited!.text);
          let reason = '';
          try {
            parseTranscript(file, edited!.text);
          } catch (e) {
            reason = (e as Error).message.replace(`${file}: `, '');
          }
          bad.set(name, reason);
        }
        // A hand-edit that keeps the transcript valid (re-indented) is still scored.
        const good = names.filter((n) => !bad.has(n));
        const reformatted = join(conv, good[0]!);
        await writeFile(reformatted, JSON.stringify(JSON.parse(await readFile(reformatted, 'utf8'))));

        const r = await runBin(['score', scoreRun, '--judge', 'heuristic'], { cwd: scoreRun });
        expect(r.stderr).not.toMatch(STACK_LINE);
        expect(r.code, r.stderr).toBe(0);
        // Not line by line: a JSON.parse reason quotes the broken text, newlines included.
        for (const [name, reason] of bad) expect(r.stderr, name).toContain(`skipped conversations/${name}: ${reason}\n`);
        expect(r.stdout).toContain(`scored ${good.length} conversations of r with judge heuristic`);

        const scores = JSON.parse(await readFile(join(scoreRun, 'scores', 'heuristic.json'), 'utf8')) as Scores;
        expect(scores.conversations.map((c) => `${c.conversation_id}.json`).sort()).toEqual(good);
        expect(scores.skipped).toEqual([...bad].map(([name, reason]) => ({ file: join(conv, name), reason })).sort((a, b) => a.file.localeCompare(b.file)));
      },
      scale.timeoutMs,
    );
  });
}

// fuzz-long.stress.ts imports defineFuzzSuite from here; the default-sized suite is defined
// only when vitest collects this file itself.
if (expect.getState().testPath === fileURLToPath(import.meta.url)) defineFuzzSuite(DEFAULT_SCALE);
