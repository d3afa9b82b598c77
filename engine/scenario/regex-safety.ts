/**
 * Catastrophic backtracking, caught at `validate`: JavaScript's regex engine backtracks, and a
 * pattern that repeats something that itself repeats (`(x+x+)+y`, `(a*)*`, `(\w+\s?)+$`) can take
 * exponential time on a reply that almost matches: the audit's `(x+x+)+y` spent 94 s on 34
 * characters. The check is safe-regex's rule (https://github.com/davisjam/safe-regex): a star
 * height above 1, that is an unbounded repetition (`*`, `+`, `{n,}`) of a group that holds one.
 * It is written here because it is a few dozen lines over the pattern's text, while re2 (linear
 * time) needs a native build. What it does not catch: overlapping alternatives under one star
 * (`(a|a)*`) and large bounded repeats; README "Reliability" says so.
 */
export interface NestedRepeat {
  /** 0-based index in the pattern of the outer repetition's quantifier. */
  index: number;
  /** The repeated group, as written. */
  group: string;
}

/** The first repetition of a repeated thing in `pattern`, or undefined when there is none. */
export function nestedRepeat(pattern: string): NestedRepeat | undefined {
  // One frame per open group: the highest star height inside it so far, and where it opened.
  const frames: { height: number; start: number }[] = [{ height: 0, start: 0 }];
  let i = 0;
  // The atom just read (a quantifier applies to it): its star height and where it began.
  let atom: { height: number; start: number } | null = null;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      atom = { height: 0, start: i };
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
      atom = { height: 0, start };
      continue;
    }
    if (c === '(') {
      frames.push({ height: 0, start: i });
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
      atom = null;
      continue;
    }
    if (c === ')') {
      const frame = frames.length > 1 ? frames.pop()! : frames[0]!;
      const parent = frames.at(-1)!;
      parent.height = Math.max(parent.height, frame.height);
      atom = { height: frame.height, start: frame.start };
      i++;
      continue;
    }
    const q = quantifierAt(pattern, i);
    if (q) {
      if (atom) {
        const height = atom.height + (q.unbounded ? 1 : 0);
        if (q.unbounded && atom.height >= 1) return { index: i, group: pattern.slice(atom.start, i) };
        const top = frames.at(-1)!;
        top.height = Math.max(top.height, height);
      }
      atom = null;
      i += q.length;
      continue;
    }
    atom = c === '|' || c === '^' || c === '$' ? null : { height: 0, start: i };
    i++;
  }
  return undefined;
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
