import { stripVTControlCharacters } from 'node:util';
import Table from 'cli-table3';

export interface TableFit {
  /** The widest a printed line may be: the terminal's columns. Unbounded when absent (a file). */
  width?: number;
}

/**
 * A box table for the terminal. No colour codes: styles come from the caller's text.
 * Given a width, the table fits it (issue 15, point 10): cell text wraps at spaces, and a
 * column is never made narrower than its longest word while wordy columns can still give way,
 * so ids and numbers stay whole on one line whenever the width allows.
 */
export function boxTable(head: string[], rows: Array<Array<string | number>>, fit: TableFit = {}): string {
  const body = rows.map((r) => r.map(String));
  const widths = fit.width === undefined ? undefined : fitColumns([head, ...body], fit.width);
  const cell = (text: string, i: number) => (widths ? wrapCell(text, widths[i]!) : text);
  const t = new Table({
    head: head.map(cell),
    style: { head: [], border: [] },
    // cli-table3's own widths count the one-space padding on each side.
    ...(widths ? { colWidths: widths.map((w) => w + 2) } : {}),
  });
  for (const r of body) t.push(r.map(cell));
  return t.toString();
}

/** Every column gets at least this many characters before the table is allowed to overflow. */
const MIN_COLUMN = 4;
/** How narrow the other columns may be cut to keep the first one's words whole. */
const READABLE_COLUMN = 10;

/**
 * The text width of each column so that the table's lines are at most `width` long, or
 * undefined when the table fits as it is. First the wordy columns give up what they have beyond
 * their longest word, each in proportion to that slack; then beyond the longest word of their
 * data, so that a heading's word may break but no value does. Only when that is not enough are
 * values broken, and then only the longest: the widest columns are cut down to a common width, so a
 * word shorter than that (a number, a short id) stays whole. The first column names the row
 * (a scenario id, a model id): it is broken last, while the others can keep READABLE_COLUMN.
 * A table that cannot fit even at MIN_COLUMN per column overflows rather than lose text.
 */
export function fitColumns(cells: readonly (readonly string[])[], width: number): number[] | undefined {
  const n = cells[0]?.length ?? 0;
  if (n === 0) return undefined;
  // A line is n+1 borders plus, per column, its text and a space each side.
  const budget = width - (n + 1) - 2 * n;
  const column = (i: number) => cells.map((r) => r[i] ?? '');
  const natural = Array.from({ length: n }, (_, i) => Math.max(1, ...column(i).flatMap((c) => c.split('\n').map(textWidth))));
  if (sum(natural) <= budget) return undefined;
  const longest = (c: string) => Math.max(1, ...c.split(/\s+/).map(textWidth));
  const longestWord = natural.map((w, i) => Math.min(w, Math.max(...column(i).map(longest))));
  const words = shrinkSlack(natural, longestWord, sum(natural) - budget);
  if (words) return words;
  // Then the headings' words may break (a label), the data's may not.
  const bodyWord = natural.map((w, i) => Math.min(w, Math.max(MIN_COLUMN, ...column(i).slice(1).map(longest))));
  const data = shrinkSlack(natural, bodyWord, sum(natural) - budget);
  if (data) return data;
  const [first, ...others] = bodyWord as [number, ...number[]];
  const othersCut = capColumns(others, budget - first, READABLE_COLUMN);
  if (othersCut) return [first, ...othersCut];
  return capColumns(bodyWord, budget, MIN_COLUMN) ?? bodyWord.map((w) => Math.min(w, MIN_COLUMN));
}

/** The widest columns cut to a common width (not below `floor`) so that they fit `budget`, what is left over back to the ones cut; undefined when they cannot. */
function capColumns(widths: readonly number[], budget: number, floor: number): number[] | undefined {
  let cap = Math.max(floor, ...widths);
  while (cap > floor && sum(widths.map((w) => Math.min(w, cap))) > budget) cap--;
  const capped = widths.map((w) => Math.min(w, cap));
  if (sum(capped) > budget) return undefined;
  let left = budget - sum(capped);
  for (let i = 0; i < capped.length && left > 0; i++) {
    if (widths[i]! > capped[i]!) {
      capped[i]!++;
      left--;
    }
  }
  return capped;
}

/** `from` made `excess` narrower in total, each column in proportion to its room above `floor`; undefined when there is not that much room. */
function shrinkSlack(from: readonly number[], floor: readonly number[], excess: number): number[] | undefined {
  const room = from.map((f, i) => f - floor[i]!);
  const total = sum(room);
  if (total < excess) return undefined;
  const cut = room.map((r) => Math.floor((excess * r) / total));
  // What rounding left over goes, a character at a time, to the columns with the most room left.
  let left = excess - sum(cut);
  const order = room.map((_, i) => i).sort((a, b) => room[b]! - cut[b]! - (room[a]! - cut[a]!));
  for (let k = 0; left > 0; k = (k + 1) % order.length) {
    const i = order[k]!;
    if (room[i]! - cut[i]! > 0) {
      cut[i]!++;
      left--;
    }
  }
  return from.map((f, i) => f - cut[i]!);
}

/** A cell's text wrapped to `width`: at spaces; a word wider than the column is broken, after a hyphen, slash or underscore when it has one (never inside a number). */
export function wrapCell(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, width))
    .join('\n');
}

function wrapLine(line: string, width: number): string[] {
  if (textWidth(line) <= width) return [line];
  const out: string[] = [];
  let current = '';
  for (const word of line.split(/ +/)) {
    let rest = word;
    while (textWidth(rest) > width) {
      if (current !== '') out.push(current);
      current = '';
      const chars = [...rest];
      const soft = Math.max(...['-', '/', '_'].map((c) => chars.slice(0, width).lastIndexOf(c)));
      const at = soft > 0 ? soft + 1 : width;
      out.push(chars.slice(0, at).join(''));
      rest = chars.slice(at).join('');
    }
    if (current === '') current = rest;
    else if (textWidth(current) + 1 + textWidth(rest) <= width) current += ` ${rest}`;
    else {
      out.push(current);
      current = rest;
    }
  }
  if (current !== '') out.push(current);
  return out;
}

/**
 * Columns a string takes on a terminal: colour codes take none. Counted in code points, which is
 * right for every character driftbench prints (box drawing, ·, →, –); East Asian wide characters
 * would count one column short.
 */
export function textWidth(s: string): number {
  return [...stripVTControlCharacters(s)].length;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
