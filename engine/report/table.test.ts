import { describe, expect, it } from 'vitest';
import { boxTable, fitColumns, textWidth, wrapCell } from './table.js';

const widest = (table: string) => Math.max(...table.split('\n').map(textWidth));
/** The text of each cell of a table's first body row, its lines joined: what wrapping kept. */
const firstRow = (table: string) => {
  const lines = table.split('\n');
  const start = lines.findIndex((l) => l.startsWith('├')) + 1;
  const end = lines.findIndex((l, i) => i >= start && (l.startsWith('├') || l.startsWith('└')));
  const cells = lines.slice(start, end).map((l) => l.split('│').slice(1, -1));
  return cells[0]!.map((_, i) => cells.map((c) => c[i]!.trim()).join(''));
};

describe('boxTable with a width', () => {
  const head = ['model', 'effort', 'title', 'cost'];
  const rows = [
    ['claude-opus-5-5-20261001', 'high', 'A long wordy title that says what the scenario is about in many words', '$0.1234'],
    ['claude-haiku-4-5', 'xhigh', 'Short', '$12.5000'],
  ];

  it('is left as it was when it fits', () => {
    expect(boxTable(head, rows, { width: 200 })).toBe(boxTable(head, rows));
  });

  it('fits the width by wrapping the wordy column, keeping ids and numbers whole', () => {
    const t = boxTable(head, rows, { width: 80 });
    expect(widest(t)).toBeLessThanOrEqual(80);
    expect(t).toMatch(/│ claude-opus-5-5-20261001 │ high +│ A long wordy .* │ \$0\.1234 +│/);
    expect(t).toContain('│ $12.5000 │');
    // Nothing is lost or truncated.
    expect(t).not.toContain('…');
  });

  it('breaks the longest words, after a hyphen, only when the width leaves no other way', () => {
    const t = boxTable(head, rows, { width: 50 });
    expect(widest(t)).toBeLessThanOrEqual(50);
    expect(t).not.toContain('…');
    expect(t).toContain('$0.1234'); // short tokens stay whole
    expect(t).toMatch(/│ claude-[\w-]*- *│/); // the id breaks after a hyphen
  });

  it('overflows rather than lose text when the columns cannot fit at all', () => {
    const many = Array.from({ length: 12 }, (_, i) => `column-${i}`);
    const t = boxTable(many, [many], { width: 40 });
    expect(t).not.toContain('…');
    expect(firstRow(t)).toEqual(many);
  });
});

describe('fitColumns', () => {
  it('shrinks the wordy columns first, in proportion to what they have beyond their longest word', () => {
    const cells = [
      ['id', 'text'],
      ['abcdefghij', 'one two three four five six seven eight nine ten eleven twelve'],
    ];
    const w = fitColumns(cells, 40)!;
    expect(w[0]).toBe(10);
    // Three borders and a space each side of two columns.
    expect(3 + 4 + w[0]! + w[1]!).toBe(40);
  });

  it('is undefined when the table fits as it is', () => {
    expect(fitColumns([['a', 'b']], 80)).toBeUndefined();
  });
});

describe('wrapCell', () => {
  it('wraps at spaces and keeps the lines a cell already has', () => {
    expect(wrapCell('one two three\nfour', 7)).toBe('one two\nthree\nfour');
  });

  it('breaks a word longer than the column after a hyphen or slash, never inside a number', () => {
    expect(wrapCell('t1-cascading-migration', 14)).toBe('t1-cascading-\nmigration');
    expect(wrapCell('0.125/0.2/0.01', 10)).toBe('0.125/0.2/\n0.01');
    expect(wrapCell('abcdefgh', 3)).toBe('abc\ndef\ngh');
  });
});
