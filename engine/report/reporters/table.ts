import type { Report } from '../../schemas/report.generated.js';
import { boxTable, type TableFit } from '../table.js';
import { coverage, DIM_TITLES, dimValue, gateLine, groupSections, memStatus, num, scenarios, secs, usd, varyingDims } from './common.js';

/** The terminal report: box tables like the original benchmark's, one per scenario. */
export function renderTable(report: Report, fit: TableFit = {}): string {
  const dims = varyingDims(report);
  const out: string[] = [];
  out.push(`driftbench report: ${report.runs.map((r) => `${r.run_id} (${r.provider}, ${r.status}, ${coverage(r)})`).join(', ')}; judge ${report.judge}`);
  for (const scenario of scenarios(report)) {
    out.push('', `Scenario ${scenario}`);
    const rows = report.cells.filter((c) => c.scenario === scenario);
    out.push(
      boxTable(
        [...dims.map((d) => DIM_TITLES[d]), 'Citations', 'Mem Status', 'Latency', 'Cost'],
        rows.map((c) => [...dims.map((d) => dimValue(c.cell, d)), num(c.citations_median), memStatus(c.mem_fail), secs(c.latency_median_ms), usd(c.cost_median_usd)]),
        fit,
      ),
    );
  }
  for (const [title, groups] of groupSections(report)) {
    out.push('', `Summary ${title}`);
    out.push(
      boxTable(
        ['Group', 'Mem Status', 'Citations', 'Latency', 'Cost (median)', 'Cost (total)'],
        groups.map((g) => [g.group, memStatus(g.mem_fail), num(g.citations_median), secs(g.latency_median_ms), usd(g.cost_median_usd), usd(g.cost_total_usd)]),
        fit,
      ),
    );
  }
  const o = report.summary.overall;
  if (o.cost_uncached_total_usd !== null && o.cost_total_usd !== null && o.cost_uncached_total_usd !== o.cost_total_usd) {
    out.push('', `Prompt caching: the run cost ${usd(o.cost_total_usd)}; without caching it would have cost ${usd(o.cost_uncached_total_usd)}.`);
  }
  if (report.comparisons.length || report.trends.length) {
    const f = report.comparison_family;
    out.push('', `Comparisons, by scenario (${f.size} in the family, ${f.adjustment}${f.primary ? `; primary: ${f.primary}, not adjusted` : ''})`);
    for (const c of report.comparisons) out.push(`  ${c.sentence}`);
    for (const t of report.trends) out.push(`  ${t.sentence}`);
  }
  out.push('', 'Methods');
  for (const [what, how] of Object.entries(report.methods)) out.push(`  ${what}: ${how}`);
  if (report.warnings.length) {
    out.push('', 'Warnings');
    for (const w of report.warnings) out.push(`  ! ${w}`);
  }
  if (report.gates.length) {
    out.push('', 'Gates');
    for (const g of report.gates) out.push(`  ${gateLine(g)}`);
  }
  return out.join('\n');
}
