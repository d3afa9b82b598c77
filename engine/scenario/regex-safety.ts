/**
 * Catastrophic backtracking, caught at `validate`: JavaScript's regex engine backtracks, and a
 * pattern that repeats something that itself repeats (`(x+x+)+y`, `(a*)*`, `(\w+\s?)+$`) can take
 * exponential time on a reply that almost matches: the audit's `(x+x+)+y` spent 94 s on 34
 * characters. The check is safe-regex's rule (https://github.com/davisjam/safe-regex): a star
 * height above 1, that is an unbounded repetition (`*`, `+`, `{n,}`) of a group that holds one.
 * It is written here because it is a few dozen lines over the pattern's text, while re2 (linear
 * time) needs a native build. It also refuses an unbounded repetition of alternatives that can
 * start with the same character (`(a|a)*`, `(\w|\d)+`): each such character can be taken by
 * either, so a reply that almost matches is split every way. What it does not catch: overlap
 * that starts later in the alternatives, or behind a group (`(ab|a(b))*`), and large bounded
 * repeats; README "Reliability" says so.
 */
export interface NestedRepeat {
  /** 0-based index in the pattern of the outer repetition's quantifier. */
  index: number;
  /** The repeated group, as written. */
  group: string;
  /** What makes it slow: a repeat inside the repeat, or alternatives that can start alike. */
  why: 'nested' | 'overlap';
}

/** One atom: a character, an escape, a class or a group, with its source text. */
interface Atom {
  start: number;
  end: number;
  group: boolean;
  /** Unbounded repetitions at or under it: their atoms' sources ('' for a group: could hold anything). */
  repeats: string[];
  /** A group without alternatives: its atoms, in order (what `delimited` reads). */
  body?: Atom[];
  /** A quantifier follows it. */
  quantified?: boolean;
  /** A group with alternatives, two of which can start with the same character. */
  overlapping?: boolean;
}

/** Characters tried against alternatives' first atoms: printable ASCII, and a letter beyond it. */
const PROBES = [...Array.from({ length: 95 }, (_, k) => String.fromCharCode(32 + k)), 'é', '\n', '\t'];

/**
 * The first repetition of a repeated thing in `pattern`, or undefined when there is none.
 * A group whose every pass starts (or ends) with a literal character that nothing repeated
 * inside it can match, such as `(?:,\s*[A-Z]+-\d+)*`, splits a reply in one way only, so it is
 * let through: the inner repeats cannot trade characters across that delimiter.
 */
export function nestedRepeat(pattern: string, flags = ''): NestedRepeat | undefined {
  // One frame per open group: where it opened, and its atoms so far, one list per alternative.
  const frames: { start: number; alternatives: Atom[][] }[] = [{ start: 0, alternatives: [[]] }];
  const n = pattern.length;
  let i = 0;
  const current = () => frames.at(-1)!.alternatives.at(-1)!;
  const push = (a: Atom) => current().push(a);
  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      push({ start: i, end: i + 2, group: false, repeats: [] });
      i += 2;
      continue;
    }
    if (c === '[') {
      const start = i;
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < n && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
      push({ start, end: i, group: false, repeats: [] });
      continue;
    }
    if (c === '(') {
      const start = i;
      i++;
      // (?: (?= (?! (?<= (?<! (?<name>
      if (pattern[i] === '?') {
        i++;
        if (pattern[i] === '<' && pattern[i + 1] !== '=' && pattern[i + 1] !== '!') {
          while (i < n && pattern[i] !== '>') i++;
        }
        i++;
        if (pattern[i - 1] === '<') i++;
      }
      frames.push({ start, alternatives: [[]] });
      continue;
    }
    if (c === ')' && frames.length > 1) {
      const { start, alternatives } = frames.pop()!;
      i++;
      const atoms = alternatives.flat();
      const shape = alternatives.length > 1 ? { overlapping: startAlike(pattern, alternatives, flags) } : { body: atoms };
      push({ start, end: i, group: true, repeats: atoms.flatMap((a) => a.repeats), ...shape });
      continue;
    }
    const q = quantifierAt(pattern, i);
    if (q) {
      const atom = current().at(-1);
      if (atom && q.unbounded) {
        if (atom.repeats.length > 0 && !delimited(pattern, atom, flags)) return { index: i, group: pattern.slice(atom.start, atom.end), why: 'nested' };
        if (atom.overlapping) return { index: i, group: pattern.slice(atom.start, atom.end), why: 'overlap' };
        atom.repeats = [...atom.repeats, atom.group ? '' : pattern.slice(atom.start, atom.end)];
      }
      if (atom) atom.quantified = true;
      i += q.length;
      continue;
    }
    if (c === '|') frames.at(-1)!.alternatives.push([]);
    else if (c !== '^' && c !== '$') push({ start: i, end: i + 1, group: false, repeats: [] });
    i++;
  }
  return undefined;
}

/** A group without alternatives that starts or ends with a literal character none of its repeats can match. */
function delimited(pattern: string, group: Atom, flags: string): boolean {
  const body = group.body;
  if (!body || body.length === 0 || group.repeats.includes('')) return false;
  const literal = (a: Atom) => {
    const src = pattern.slice(a.start, a.end);
    if (a.group || a.quantified) return undefined;
    if (src.length === 1 && !'.'.includes(src)) return src;
    if (src.length === 2 && src[0] === '\\' && /[^\w\s]/.test(src[1]!)) return src[1];
    return undefined;
  };
  const matchedBy = (ch: string) => group.repeats.some((r) => wholeMatch(r, flags).test(ch));
  return [body[0]!, body.at(-1)!].some((a) => {
    const ch = literal(a);
    return ch !== undefined && !matchedBy(ch);
  });
}

/**
 * Whether two alternatives can start with the same character: their first atoms (a character, an
 * escape or a class) are tried on PROBES. An alternative that starts with a group, or is empty,
 * is not judged (so not refused).
 */
function startAlike(pattern: string, alternatives: readonly Atom[][], flags: string): boolean {
  const firsts: RegExp[] = [];
  for (const alt of alternatives) {
    const a = alt[0];
    if (a === undefined || a.group) continue;
    try {
      firsts.push(wholeMatch(pattern.slice(a.start, a.end), flags));
    } catch {
      // Not a whole atom on its own (a back-reference, say): not judged.
    }
  }
  return PROBES.some((ch) => firsts.filter((r) => r.test(ch)).length >= 2);
}

/** A regex that matches exactly what `source` does, under the pattern's flags (g and y, which make test() stateful, dropped). */
function wholeMatch(source: string, flags: string): RegExp {
  return new RegExp(`^(?:${source})$`, flags.replace(/[gy]/g, ''));
}

function quantifierAt(p: string, i: number): { unbounded: boolean; length: number } | undefined {
  const c = p[i];
  const lazy = (len: number) => (p[i + len] === '?' ? len + 1 : len);
  if (c === '*' || c === '+') return { unbounded: true, length: lazy(1) };
  if (c === '?') return { unbounded: false, length: lazy(1) };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i, i + 24));
    if (!m) return undefined;
    return { unbounded: m[2] !== undefined && m[3] === '', length: lazy(m[0].length) };
  }
  return undefined;
}
