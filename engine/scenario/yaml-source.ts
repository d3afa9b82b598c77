import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import type { Problem } from '../errors.js';
import { explainYamlError } from './yaml-errors.js';

/** A parsed YAML file that can turn JSON pointers back into line:col positions. */
export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** The decoded text: a template reference is found in it to place a problem at its column. */
  text: string;
}

export type ParseResult = { ok: true; source: YamlSource; value: unknown } | { ok: false; problems: Problem[] };

/** Scenario files are small; anything this large is not one. */
export const MAX_SCENARIO_BYTES = 2 * 1024 * 1024;
/** Aliases are legal YAML, but thousands of expansions are an alias bomb, not a scenario. */
const MAX_ALIAS_COUNT = 100;

/**
 * What a document nested thousands of levels deep (`[[[[...`) gets instead of the parser's
 * "Maximum call stack size exceeded": a scenario is a few levels deep, so such a file is not
 * one, and the limit is the parser's stack, not a number of ours.
 */
export const TOO_DEEP = 'the document is nested too deeply to read (thousands of levels of [ { or indentation); a scenario is a few levels deep: flatten it';

/** A JavaScript stack overflow, as thrown, or as the yaml library reports one it caught. */
export function isStackOverflow(e: unknown): boolean {
  return (e instanceof RangeError || (e instanceof Error && 'code' in e)) && /Maximum call stack size exceeded/.test((e as Error).message);
}

/**
 * Where a document's deep nesting begins: the outermost `[` or `{` of the first run of flow
 * collections 64 deep. The parser's own position is where its stack ran out, which depends on
 * how deep the stack already was (one file, or a suite), so the same file would be placed at
 * different columns. Undefined when the depth is in indentation, not brackets.
 */
function deepNestingStart(text: string): number | undefined {
  const open: number[] = [];
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    // Quotes are followed within a line only: a stray apostrophe must not hide the rest.
    if (c === '\n') quote = null;
    else if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      open.push(i);
      if (open.length >= 64) return open[0];
    } else if ((c === ']' || c === '}') && open.length > 0) open.pop();
  }
  return undefined;
}

/** yaml error codes that do not derail the parse, so every one of them is worth reporting. */
const INDEPENDENT = new Set(['DUPLICATE_KEY', 'BAD_ALIAS', 'BAD_DIRECTIVE', 'BAD_TAG', 'BAD_DQ_ESCAPE']);

/** Reads bytes as a scenario: rejects binary, non-UTF-8, empty and multi-document files. */
export function parseYaml(file: string, bytes: Uint8Array): ParseResult {
  const at = (line: number, col: number, message: string): ParseResult => ({ ok: false, problems: [{ file, line, col, message }] });
  if (bytes.length > MAX_SCENARIO_BYTES) return at(1, 1, `file is ${bytes.length} bytes; a scenario file must be under ${MAX_SCENARIO_BYTES} bytes`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) return at(...lineColOfByte(bytes, nul), 'file is binary (it contains a NUL byte); a scenario must be a UTF-8 YAML text file');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return at(1, 1, 'file is not valid UTF-8 text; save it as UTF-8');
  }
  const lines = new LineCounter();
  // logLevel error: the library's warnings (e.g. collection keys) must not reach stderr raw.
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: 'error' });
  if (!Array.isArray(docs)) {
    // parseAllDocuments returns an EmptyStream when there is no document at all.
    return at(1, 1, 'file is empty; a scenario needs at least id, title, category, difficulty, description, constraints, steps, judge and fixtures');
  }
  const problems: Problem[] = [];
  for (const d of docs) {
    // A string left open swallows the rest of the file: the parser complains about its
    // contents and reports the missing quote at the end. Point at where the string opens.
    const missing = d.errors.find((e) => e.code === 'MISSING_CHAR');
    const open = missing ? unclosedQuoteStart(d, text, missing.pos[0]) : undefined;
    const errors = open ? d.errors.filter((e) => e === missing || e.pos[0] < open.start) : d.errors;
    let structural = false;
    for (const e of errors) {
      // After a structural error the parser is lost and what follows on is noise; errors such
      // as duplicate keys are independent and all reported.
      const isStructural = !INDEPENDENT.has(e.code);
      if (isStructural && structural) continue;
      structural ||= isStructural;
      if (open && e === missing) {
        const [line, col] = posOf(lines, open.start);
        problems.push({ file, line, col, message: `this ${open.kind}-quoted string is never closed; add the closing ${open.kind === 'double' ? '"' : "'"}` });
        continue;
      }
      if (isStackOverflow(e)) {
        const [line, col] = posOf(lines, deepNestingStart(text) ?? e.pos[0]);
        problems.push({ file, line, col, message: TOO_DEEP });
        continue;
      }
      const explained = explainYamlError(text, d, e, (offset) => lines.linePos(offset));
      const [line, col] = 'offset' in explained.at ? posOf(lines, explained.at.offset) : [explained.at.line, explained.at.col];
      problems.push({ file, line, col, message: explained.message });
    }
  }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line || a.col - b.col) };
  const first = docs[0];
  if (first === undefined || first.contents === null) {
    return at(1, 1, 'file is empty; a scenario needs at least id, title, category, difficulty, description, constraints, steps, judge and fixtures');
  }
  if (docs.length > 1) {
    const second = docs[1]!;
    const [line, col] = posOf(lines, second.range[0]);
    return at(line, col, 'a scenario file holds one YAML document; move this document to a file of its own');
  }
  let value: unknown;
  try {
    value = first.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (cause) {
    if (isStackOverflow(cause)) {
      const deep = deepNestingStart(text);
      const [line, col] = deep === undefined ? [1, 1] : posOf(lines, deep);
      return at(line, col, TOO_DEEP);
    }
    const [line, col] = firstAliasPos(first, lines);
    if (cause instanceof ReferenceError) {
      return at(line, col, `aliases expand too many times (more than ${MAX_ALIAS_COUNT}); this looks like an alias bomb: write the values out instead of nesting aliases`);
    }
    // The yaml library can still refuse to build a document that parsed, e.g. a `!!merge`
    // key whose source is not a mapping (found by the fuzz suite). Report it; never a stack.
    return at(line, col, `cannot build the document: ${cause instanceof Error ? cause.message : String(cause)}; check the anchors, aliases and merge keys`);
  }
  return { ok: true, source: { file, doc: first, lines, text }, value };
}

function unclosedQuoteStart(doc: Document.Parsed, text: string, errorAt: number): { start: number; kind: 'double' | 'single' } | undefined {
  let found: { start: number; kind: 'double' | 'single' } | undefined;
  visit(doc, {
    Scalar(_, node) {
      if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && node.range && node.range[1] >= errorAt - 1) {
        // Only a string that really runs on without its closing quote. A mis-indented key also
        // ends in MISSING_CHAR, and then the next (well-closed) string is not the culprit.
        const quote = node.type === 'QUOTE_DOUBLE' ? '"' : "'";
        const source = text.slice(node.range[0], node.range[1]).trimEnd();
        if (source.length >= 2 && source.endsWith(quote) && !source.endsWith(`\\${quote}`)) return visit.BREAK;
        found = { start: node.range[0], kind: quote === '"' ? 'double' : 'single' };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function posOf(lines: LineCounter, offset: number): [number, number] {
  const p = lines.linePos(offset);
  return [p.line, p.col];
}

function lineColOfByte(bytes: Uint8Array, index: number): [number, number] {
  let line = 1;
  let start = 0;
  for (let i = 0; i < index; i++) {
    if (bytes[i] !== 10) continue;
    line++;
    start = i + 1;
  }
  return [line, index - start + 1];
}

/** Where the first alias or merge key is: the usual culprit when building a document fails. */
function firstAliasPos(doc: Document.Parsed, lines: LineCounter): [number, number] {
  let offset = 0;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
    Scalar(_, node) {
      if (node.tag === 'tag:yaml.org,2002:merge' || node.value === '<<') {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return posOf(lines, offset);
}

/**
 * Where a JSON pointer's value sits in the source. With `key`, the position of the mapping key
 * (for unknown or misnamed fields) rather than the value.
 */
export function locate(src: YamlSource, pointer: string, opts: { key?: string; needle?: string } = {}): [number, number] {
  const segments =
    pointer === ''
      ? []
      : pointer
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = src.doc.contents;
  let best: unknown = node;
  for (const seg of segments) {
    node = resolveAlias(src, node);
    const child = childOf(node, seg);
    if (child === undefined) break;
    node = child.value ?? child.key;
    best = node;
  }
  if (opts.key !== undefined) {
    const pair = childOf(resolveAlias(src, best), opts.key);
    if (pair?.key) best = pair.key;
  }
  const range = (best as Node | null)?.range;
  // With `needle`, the position of that text inside the value (a `{{reference}}` in a string).
  const inside = range && opts.needle !== undefined ? src.text.indexOf(opts.needle, range[0]) : -1;
  if (range && inside >= 0 && inside < range[1]) return posOf(src.lines, inside);
  return posOf(src.lines, range ? range[0] : 0);
}

function resolveAlias(src: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(src.doc) : node;
}

function childOf(node: unknown, seg: string): { key?: unknown; value?: unknown } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (k === seg) return { key: pair.key, value: pair.value ?? pair.key };
    }
    return undefined;
  }
  if (isSeq(node)) {
    const i = Number(seg);
    const item = Number.isInteger(i) ? node.items[i] : undefined;
    return item === undefined ? undefined : { value: item };
  }
  return undefined;
}
