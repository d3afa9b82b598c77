import { isMap, isPair, isScalar, visit, type Document, type YAMLError } from 'yaml';

/**
 * Turns one of the yaml library's errors into driftbench's own message, placed where the
 * author made the mistake rather than where the parser noticed it.
 *
 * The library reports the symptom: an over-indented key makes the value on the line *above*
 * look like a multi-line implicit key; an under-indented key shows up as a missing `-`, and
 * the recovery then blames the next quoted string for never closing; an unquoted `: ` in a
 * value is "nested mappings are not allowed". We read the source around the error (by the
 * error's `code`, never its message text) to find the line to blame and the fix to offer.
 */
export interface ExplainedYamlError {
  /** Offset into the text, or an explicit 1-based line and column. */
  at: { offset: number } | { line: number; col: number };
  message: string;
}

const HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'YAML indents with spaces; replace the tab with spaces',
  BAD_INDENT: 'check the indentation: items of one mapping or list must line up',
  MISSING_CHAR: 'a quoted string or a flow collection is not closed; add the closing character',
  MULTILINE_IMPLICIT_KEY: 'check the indentation of this line: it must line up with the keys above it (or a colon or quote is missing)',
  BLOCK_AS_IMPLICIT_KEY: 'check the indentation of this line: it must line up with the keys above it (or a colon is missing on the line before)',
  UNEXPECTED_TOKEN: 'remove the stray character or quote the value',
  BAD_ALIAS: 'the alias names an anchor that is not defined before it',
};

export function explainYamlError(text: string, doc: Document.Parsed, e: YAMLError, linePos: (offset: number) => { line: number; col: number }): ExplainedYamlError {
  const offset = e.pos[0];
  const { line, col } = linePos(offset);
  const lines = text.split(/\r?\n/);
  const template = unquotedReference(lines, line);
  if (template) return template;
  switch (e.code) {
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY': {
      const explained = colonInValue(lines, line, col) ?? overIndentedKeyAfter(lines, line);
      if (explained) return explained;
      break;
    }
    case 'MISSING_CHAR':
    case 'BAD_INDENT': {
      const explained = misIndentedKey(lines, line);
      if (explained) return explained;
      break;
    }
    case 'BAD_DQ_ESCAPE': {
      const explained = badEscape(text, doc, offset);
      if (explained) return explained;
      break;
    }
    case 'DUPLICATE_KEY': {
      const explained = duplicateKey(doc, offset, linePos);
      if (explained) return explained;
      break;
    }
  }
  const hint = HINTS[e.code];
  return { at: { offset }, message: `${firstLine(e.message)}${hint ? `; ${hint}` : ''}` };
}

/**
 * A plain value that starts with a template reference (`statement: {{table}} is large`) reads as
 * a YAML flow mapping, and the parser then complains about something else. Look at the error's
 * line and the few before it (issue 16).
 */
function unquotedReference(lines: readonly string[], line: number): ExplainedYamlError | undefined {
  for (let l = line; l >= Math.max(1, line - 3); l--) {
    const m = /^(\s*(?:-\s+)*(?:[\w-]+:\s+)?)\{\{/.exec(lines[l - 1] ?? '');
    // A key or a list dash before the {{: a line of block text starting with {{ is fine.
    if (m && m[1]!.trim() !== '') {
      return {
        at: { line: l, col: m[1]!.length + 1 },
        message: 'a value that starts with a template reference must be quoted, or YAML reads the {{ as a mapping: write "{{name}} ..." in quotes',
      };
    }
  }
  return undefined;
}

function firstLine(s: string): string {
  // The yaml library appends a code excerpt after the first line; we print our own position.
  return (s.split('\n')[0] ?? s).replace(/ at line \d+, column \d+:?$/, '');
}

/** `key: value` or `- key: value` (any number of dashes): the key, and the column it starts at (0-based). */
export function keyOf(line: string): { key: string; column: number } | undefined {
  const m = /^( *)((?:- +)*)([^\s#'"\-[{][^:#]*?|'[^']*'|"[^"]*"):(?: |$)/.exec(line);
  if (!m) return undefined;
  return { key: m[3]!, column: m[1]!.length + m[2]!.length };
}

function isContent(line: string): boolean {
  const t = line.trim();
  return t !== '' && !t.startsWith('#');
}

/** A plain value such as `prompt: Rule one: be brief` holds `: `, which YAML reads as a nested key. */
function colonInValue(lines: string[], line: number, col: number): ExplainedYamlError | undefined {
  const raw = lines[line - 1]?.slice(col - 1) ?? '';
  const value = raw.replace(/\s+#.*$/, '').trimEnd();
  if (!/: |:$/.test(value) || /^['"[{|>]/.test(value)) return undefined;
  const shown = value.length > 50 ? `${value.slice(0, 49)}…` : value;
  return {
    at: { line, col },
    message: `this value contains ": ", which YAML reads as the start of a nested key; quote this value: '${shown.replace(/'/g, "''")}'`,
  };
}

/**
 * The parser blames the value on `line` when the next key is indented deeper than its siblings
 * (it reads the value and that key as one multi-line key). Blame the deeper key instead.
 */
function overIndentedKeyAfter(lines: string[], line: number): ExplainedYamlError | undefined {
  const here = keyOf(lines[line - 1] ?? '');
  if (!here) return undefined;
  for (let i = line; i < lines.length; i++) {
    const l = lines[i]!;
    if (!isContent(l)) continue;
    const next = keyOf(l);
    const indent = l.length - l.trimStart().length;
    if (!next || indent <= here.column) return undefined;
    return indentMessage(i + 1, next.key, indent, here.column, here.key, line);
  }
  return undefined;
}

/**
 * A key at a column no open block uses (e.g. 3 spaces among keys at 4). Its siblings are the
 * keys just above it, back to the parent that is indented less than it.
 */
function misIndentedKey(lines: string[], line: number): ExplainedYamlError | undefined {
  const l = lines[line - 1] ?? '';
  const key = keyOf(l);
  if (!key) return undefined;
  const indent = l.length - l.trimStart().length;
  let sibling: { key: string; column: number; line: number } | undefined;
  for (let i = line - 2; i >= 0; i--) {
    const above = keyOf(lines[i]!);
    if (!above) {
      if (isContent(lines[i]!)) break;
      continue;
    }
    const aboveIndent = lines[i]!.length - lines[i]!.trimStart().length;
    if (aboveIndent < indent) {
      // The parent's line may itself hold the first sibling (`- id: a`).
      if (above.column > indent && (!sibling || above.column < sibling.column)) sibling = { ...above, line: i + 1 };
      break;
    }
    if (above.column !== indent && (!sibling || Math.abs(above.column - indent) < Math.abs(sibling.column - indent))) sibling = { ...above, line: i + 1 };
  }
  if (!sibling || sibling.column === indent) return undefined;
  return indentMessage(line, key.key, indent, sibling.column, sibling.key, sibling.line);
}

function indentMessage(line: number, key: string, indent: number, siblings: number, siblingKey: string, siblingLine: number): ExplainedYamlError {
  return {
    at: { line, col: indent + 1 },
    message: `"${key}" is indented ${indent} spaces; its siblings use ${siblings}: line it up with "${siblingKey}" on line ${siblingLine}`,
  };
}

/** `"\s*ms"`: in double quotes a backslash starts an escape, and regexes are full of them. */
function badEscape(text: string, doc: Document.Parsed, offset: number): ExplainedYamlError | undefined {
  const sequence = text.slice(offset, offset + 2);
  if (!sequence.startsWith('\\')) return undefined;
  let range: [number, number] | undefined;
  visit(doc, {
    Scalar(_, node) {
      if (node.type === 'QUOTE_DOUBLE' && node.range && node.range[0] <= offset && offset < node.range[1]) {
        range = [node.range[0], node.range[1]];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  let suggestion = '';
  if (range) {
    const source = text.slice(range[0], range[1]).trimEnd();
    if (source.startsWith('"') && source.endsWith('"') && !source.includes('\n')) {
      const inner = source.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "''");
      suggestion = `: '${inner}'`;
    }
  }
  return {
    at: { offset },
    message: `in double quotes ${sequence} is an escape; write regexes in single quotes${suggestion || ', where a backslash is just a backslash'}`,
  };
}

function duplicateKey(doc: Document.Parsed, offset: number, linePos: (offset: number) => { line: number; col: number }): ExplainedYamlError | undefined {
  let found: ExplainedYamlError | undefined;
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return undefined;
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!isPair(pair) || !isScalar(pair.key) || !pair.key.range) continue;
        const name = String(pair.key.value);
        const first = seen.get(name);
        if (first !== undefined && pair.key.range[0] === offset) {
          found = {
            at: { offset },
            message: `duplicate key "${name}" (first at line ${linePos(first).line}); each key may appear once in a mapping: remove or rename one of them`,
          };
          return visit.BREAK;
        }
        if (first === undefined) seen.set(name, pair.key.range[0]);
      }
      return undefined;
    },
  });
  return found;
}
