import type { TranscriptDiff } from '../schemas/diff.generated.js';
import { boxTable, type TableFit } from '../report/table.js';

const ANSI = { red: '\u001b[31m', green: '\u001b[32m', bold: '\u001b[1m', reset: '\u001b[0m' };

const money = (x: number | null) => (x === null ? 'n/a' : `$${x.toFixed(4)}`);
const ms = (x: number | null) => (x === null ? 'n/a' : `${(x / 1000).toFixed(1)} s`);

/** Word diff as text: colour on a terminal; [-removed-]{+added+} markers otherwise. */
export function wordDiff(ops: TranscriptDiff['steps'][number]['text_diff'], color: boolean): string {
  return ops
    .map((o) => (o.op === 'equal' ? o.text : color ? `${o.op === 'delete' ? ANSI.red : ANSI.green}${o.text}${ANSI.reset}` : o.op === 'delete' ? `[-${o.text}-]` : `{+${o.text}+}`))
    .join('');
}

export function renderDiffText(d: TranscriptDiff, color: boolean, fit: TableFit = {}): string {
  const b = (s: string) => (color ? `${ANSI.bold}${s}${ANSI.reset}` : s);
  const out: string[] = [];
  out.push(b(`diff ${d.scenario}: A = ${d.a.label} (${d.a.conversation_id}), B = ${d.b.label} (${d.b.conversation_id})`));
  out.push(`mem_fail: A ${d.a.mem_fail ?? 'not scored'}, B ${d.b.mem_fail ?? 'not scored'}; status: A ${d.a.status}, B ${d.b.status}`);
  out.push(
    boxTable(
      ['Step', 'Stop reason A | B', 'Tokens out A | B', 'Latency A | B', 'Cost A | B', 'Cites A | B', 'Failed probes A | B'],
      d.steps.map((s) => [
        `${s.step}${s.judged ? ' (judged)' : ''}`,
        `${s.a?.stop_reason ?? '-'} | ${s.b?.stop_reason ?? '-'}`,
        `${s.a?.output_tokens ?? '-'} | ${s.b?.output_tokens ?? '-'}`,
        `${s.a ? ms(s.a.latency_ms) : '-'} | ${s.b ? ms(s.b.latency_ms) : '-'}`,
        `${s.a ? money(s.a.cost_usd) : '-'} | ${s.b ? money(s.b.cost_usd) : '-'}`,
        `${s.a?.cites.join(', ') || '-'} | ${s.b?.cites.join(', ') || '-'}`,
        `${s.a?.probes_failed.join(', ') || '-'} | ${s.b?.probes_failed.join(', ') || '-'}`,
      ]),
      fit,
    ),
  );
  out.push(
    d.first_divergence
      ? b(`first divergence: step ${d.first_divergence.step}: ${d.first_divergence.reason}`)
      : 'first divergence: none (the sides cite and pass the same things at every step)',
  );
  for (const s of d.steps) {
    out.push('', b(`step ${s.step} reply diff (A -> B):`), wordDiff(s.text_diff, color));
  }
  return `${out.join('\n')}\n`;
}

const PUNCT = /[\p{P}\p{S}]/u;
const SPACE = /^\s?$/; // a space, or the edge of a line

/**
 * A word-diff chunk wrapped in a Markdown marker (`~~deleted~~`, `**inserted**`). GitHub
 * (CommonMark's flanking rules, which GFM's strikethrough shares) renders a marker only when no
 * space sits just inside it (`~~ word~~` shows the tildes) and not across a blank line, so each
 * line's words are wrapped and the spaces around them left outside. A marker also fails between
 * a letter and punctuation (`ms**, always**`): there the chunk is wrapped in `<del>`/`<ins>`,
 * which GitHub renders too. `before`/`after` are the characters next to the chunk ('' at an
 * edge). A deletion of spaces alone leaves nothing: B's spacing is what reads.
 * https://github.github.com/gfm/#left-flanking-delimiter-run
 */
export function markdownMark(text: string, op: 'delete' | 'insert', before = '', after = ''): string {
  if (op === 'delete' && text.trim() === '') return '';
  const marker = op === 'delete' ? '~~' : '**';
  const tag = op === 'delete' ? 'del' : 'ins';
  const lines = text.split('\n');
  return lines
    .map((line, i) => {
      const [, lead, core, trail] = /^(\s*)(.*?)(\s*)$/s.exec(line) as unknown as [string, string, string, string];
      if (core === '') return line;
      const prev = lead || (i === 0 ? before : '');
      const next = trail || (i === lines.length - 1 ? after : '');
      const opens = !PUNCT.test(core[0]!) || SPACE.test(prev) || PUNCT.test(prev);
      const closes = !PUNCT.test(core.at(-1)!) || SPACE.test(next) || PUNCT.test(next);
      return opens && closes ? `${lead}${marker}${core}${marker}${trail}` : `${lead}<${tag}>${core}</${tag}>${trail}`;
    })
    .join('\n');
}

/** A step's word diff as Markdown: each changed chunk marked with what it sits between. */
export function markdownWordDiff(ops: TranscriptDiff['steps'][number]['text_diff']): string {
  let out = '';
  ops.forEach((o, i) => {
    if (o.op === 'equal') {
      out += o.text;
      return;
    }
    // What follows: the next chunk's first character, or a marker's (punctuation) if it is marked.
    const n = ops[i + 1];
    const after = n === undefined ? '' : n.op === 'equal' || /^\s/.test(n.text) ? n.text[0]! : '~';
    out += markdownMark(o.text, o.op, out.at(-1) ?? '', after);
  });
  return out;
}

/** One pair as Markdown; `level` is the heading level of its title (2 inside a run diff). */
export function renderDiffMarkdown(d: TranscriptDiff, level = 1): string {
  const h = '#'.repeat(level);
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const out = [
    `${h} diff ${d.scenario}`,
    '',
    `A = \`${cell(d.a.label)}\` (${cell(d.a.conversation_id)}), mem_fail ${d.a.mem_fail ?? 'not scored'}; B = \`${cell(d.b.label)}\` (${cell(d.b.conversation_id)}), mem_fail ${d.b.mem_fail ?? 'not scored'}.`,
    '',
    `**First divergence:** ${d.first_divergence ? `step ${d.first_divergence.step}: ${cell(d.first_divergence.reason)}` : 'none'}`,
    '',
    '| Step | Stop reason A \\| B | Tokens out A \\| B | Cites A \\| B | Failed probes A \\| B |',
    '| --- | --- | --- | --- | --- |',
    ...d.steps.map(
      (s) =>
        `| ${s.step}${s.judged ? ' (judged)' : ''} | ${s.a?.stop_reason ?? '-'} \\| ${s.b?.stop_reason ?? '-'} | ${s.a?.output_tokens ?? '-'} \\| ${s.b?.output_tokens ?? '-'} | ${s.a?.cites.join(', ') || '-'} \\| ${s.b?.cites.join(', ') || '-'} | ${s.a?.probes_failed.join(', ') || '-'} \\| ${s.b?.probes_failed.join(', ') || '-'} |`,
    ),
  ];
  for (const s of d.steps) {
    const text = markdownWordDiff(s.text_diff);
    out.push(
      '',
      `${h}# Step ${s.step}`,
      '',
      text
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n'),
    );
  }
  return `${out.join('\n')}\n`;
}
