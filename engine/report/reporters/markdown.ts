import type { Report } from '../../schemas/report.generated.js';
import { coverage, DIM_TITLES, dimValue, gateLine, groupSections, memStatus, num, scenarios, secs, usd, varyingDims } from './common.js';

const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.map(cell).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');

export function renderMarkdown(report: Report): string {
  const dims = varyingDims(report);
  const out: string[] = [
    `# driftbench report`,
    '',
    `Runs: ${report.runs.map((r) => `\`${cell(r.run_id)}\` (${r.provider}, ${r.status}, ${coverage(r)})`).join(', ')}. Judge: \`${cell(report.judge)}\`.`,
  ];
  if (report.warnings.length) out.push('', '## Warnings', '', ...report.warnings.map((w) => `- ${cell(w)}`));
  if (report.gates.length) out.push('', '## Gates', '', ...report.gates.map((g) => `- ${cell(gateLine(g))}`));
  for (const scenario of scenarios(report)) {
    out.push('', `## ${cell(scenario)}`, '');
    out.push(
      table(
        [...dims.map((d) => DIM_TITLES[d]), 'Citations', 'Mem Status', 'Latency', 'Cost'],
        report.cells
          .filter((c) => c.scenario === scenario)
          .map((c) => [...dims.map((d) => dimValue(c.cell, d)), num(c.citations_median), memStatus(c.mem_fail), secs(c.latency_median_ms), usd(c.cost_median_usd)]),
      ),
    );
  }
  for (const [title, groups] of groupSections(report)) {
    out.push('', `## Summary ${title}`, '');
    out.push(
      table(
        ['Group', 'Mem Status', 'Citations', 'Latency', 'Cost (median)', 'Cost (total)'],
        groups.map((g) => [g.group, memStatus(g.mem_fail), num(g.citations_median), secs(g.latency_median_ms), usd(g.cost_median_usd), usd(g.cost_total_usd)]),
      ),
    );
  }
  if (report.comparisons.length || report.trends.length) {
    const f = report.comparison_family;
    out.push(
      '',
      '## Comparisons',
      '',
      `By scenario, never by repeat; ${f.size} in the family, ${f.adjustment}${f.primary ? `; primary: ${cell(f.primary)}, not adjusted` : ''}.`,
      '',
      ...report.comparisons.map((c) => `- ${cell(c.sentence)}`),
      ...report.trends.map((t) => `- ${cell(t.sentence)}`),
    );
  }
  out.push('', '## Methods', '', ...Object.entries(report.methods).map(([what, how]) => `- ${what}: ${cell(how)}`));
  return `${out.join('\n')}\n`;
}
