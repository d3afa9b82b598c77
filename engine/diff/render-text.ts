import type { TranscriptDiff } from '../schemas/diff.generated.js';
import { boxTable } from '../report/table.js';

const ANSI = { red: '\u001b[31m', green: '\u001b[32m', bold: '\u001b[1m', reset: '\u001b[0m' };

const money = (x: number | null) => (x === null ? 'n/a' : `$${x.toFixed(4)}`);
const ms = (x: number | null) => (x === null ? 'n/a' : `${(x / 1000).toFixed(1)} s`);

/** Word diff as text: colour on a terminal; [-removed-]{+added+} markers otherwise. */
export function wordDiff(ops: TranscriptDiff['steps'][number]['text_diff'], color: boolean): string {
  return ops
    .map((o) => (o.op === 'equal' ? o.text : color ? `${o.op === 'delete' ? ANSI.red : ANSI.green}${o.text}${ANSI.reset}` : o.op === 'delete' ? `[-${o.text}-]` : `{+${o.text}+}`))
    .join('');
}

export function renderDiffText(d: TranscriptDiff, color: boolean): string {
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

export function renderDiffMarkdown(d: TranscriptDiff): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const out = [
    `# diff ${d.scenario}`,
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
    const text = s.text_diff.map((o) => (o.op === 'equal' ? o.text : o.op === 'delete' ? `~~${o.text}~~` : `**${o.text}**`)).join('');
    out.push(
      '',
      `## Step ${s.step}`,
      '',
      text
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n'),
    );
  }
  return `${out.join('\n')}\n`;
}
