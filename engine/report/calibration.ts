import { type Count, cohensKappa, judgeVsHuman } from '../score/agreement.js';
import type { JudgedLabel } from '../score/calibrate-labels.js';
import type { Calibration, CellAgreement, Confusion, Proportion } from '../schemas/calibration.generated.js';
import type { CellKey } from '../schemas/report.generated.js';
import type { JudgeConfig } from '../schemas/scores.generated.js';
import { BOOTSTRAP_DRAWS, BOOTSTRAP_SEED, bootstrapKappa, wilson } from '../stats/index.js';
import { keyString } from './aggregate.js';
import { cellKeyOf } from './fallback.js';
import { boxTable, type TableFit } from './table.js';

export const CALIBRATION_FORMAT = 'driftbench.calibration/1';

/** The fewest scenarios a kappa interval resamples by scenario. */
export const MIN_CLUSTERS = 5;

const proportion = (c: Count): Proportion => ({ ...c, ci95: wilson(c.k, c.n) });

/**
 * The calibration document (schemas/calibration.schema.json) of a judge on a labelled set: the
 * confusion table, sensitivity, specificity and agreement with their counts and Wilson
 * intervals, kappa with a seeded percentile bootstrap interval that resamples scenarios, and
 * agreement per cell. Pure.
 */
export function calibrationDocument(
  judged: readonly JudgedLabel[],
  meta: { file: string; sha256: string; judge: JudgeConfig; engineVersion: string; now: () => number },
): Calibration {
  const all = judgeVsHuman(judged);
  const scored = judged.filter((j) => j.judge !== 'unscored');
  const human = scored.map((j) => j.human);
  // Labels of one scenario are not independent: resample scenarios, where there are enough of
  // them to resample (a cluster bootstrap over fewer than 5 clusters says little); else transcripts.
  const clusters = scored.map((j) => j.transcript.scenario.id);
  const byScenario = new Set(clusters).size >= MIN_CLUSTERS;
  const judge = scored.map((j) => j.judge);
  const byCell = new Map<string, { cell: CellKey; members: JudgedLabel[] }>();
  for (const j of judged) {
    const cell = cellKeyOf(j.transcript.cell);
    const group = byCell.get(keyString(cell)) ?? { cell, members: [] };
    group.members.push(j);
    byCell.set(keyString(cell), group);
  }
  const cells: CellAgreement[] = [...byCell.values()]
    .sort(
      (a, b) =>
        a.cell.model.localeCompare(b.cell.model) ||
        a.cell.effort.localeCompare(b.cell.effort) ||
        a.cell.condition.localeCompare(b.cell.condition) ||
        a.cell.distance - b.cell.distance,
    )
    .map(({ cell, members }) => {
      const m = judgeVsHuman(members);
      return { cell, labelled: members.length, confusion: m.confusion, agreement: proportion(m.agreement) };
    });
  return {
    format: CALIBRATION_FORMAT,
    engine_version: meta.engineVersion,
    calibrated_at: new Date(meta.now()).toISOString(),
    labels: { file: meta.file, sha256: meta.sha256, count: judged.length },
    judge: meta.judge,
    confusion: all.confusion,
    unscored: judged.length - scored.length,
    sensitivity: proportion(all.sensitivity),
    specificity: proportion(all.specificity),
    agreement: proportion(all.agreement),
    kappa: {
      value: cohensKappa(human, judge),
      n: scored.length,
      ci95: bootstrapKappa(human, judge, { draws: BOOTSTRAP_DRAWS, seed: BOOTSTRAP_SEED, ...(byScenario ? { clusters } : {}) }),
      method: byScenario ? 'percentile cluster bootstrap over scenarios' : 'percentile bootstrap',
      draws: BOOTSTRAP_DRAWS,
      seed: BOOTSTRAP_SEED,
    },
    cells,
    items: judged.map((j) => ({
      line: j.row.line,
      transcript: j.row.label.transcript,
      conversation_id: j.transcript.conversation_id,
      scenario_id: j.transcript.scenario.id,
      cell: cellKeyOf(j.transcript.cell),
      human: j.human,
      judge: j.judge,
      ...(j.row.label.labeller !== undefined ? { labeller: j.row.label.labeller } : {}),
    })),
  };
}

const num = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
const interval = (ci: { low: number; high: number } | null) => (ci === null ? 'n/a' : `[${ci.low.toFixed(2)}, ${ci.high.toFixed(2)}]`);
const unscoredIn = (c: Confusion) => c.human_yes.unscored + c.human_no.unscored;

/** The calibration as terminal tables: the confusion table, the measures, agreement per cell, and every unscored transcript. */
export function renderCalibrationTable(c: Calibration, fit: TableFit = {}): string {
  const out: string[] = [`judge ${c.judge.id} on ${c.labels.count} labelled transcript${c.labels.count === 1 ? '' : 's'} (${c.labels.file})`];
  out.push(
    boxTable(
      ['people said', 'judge YES', 'judge NO', 'judge unscored'],
      [
        ['YES (violated)', c.confusion.human_yes.judge_yes, c.confusion.human_yes.judge_no, c.confusion.human_yes.unscored],
        ['NO (kept)', c.confusion.human_no.judge_yes, c.confusion.human_no.judge_no, c.confusion.human_no.unscored],
      ],
      fit,
    ),
  );
  const row = (name: string, p: Proportion) => [name, num(p.value), `${p.k}/${p.n}`, interval(p.ci95), 'Wilson'];
  out.push(
    boxTable(
      ['measure', 'estimate', 'count', '95% interval', 'interval method'],
      [
        row('sensitivity', c.sensitivity),
        row('specificity', c.specificity),
        row('agreement', c.agreement),
        ['kappa', num(c.kappa.value), `n=${c.kappa.n}`, interval(c.kappa.ci95), `percentile bootstrap, ${c.kappa.draws} draws, seed ${c.kappa.seed}`],
      ],
      fit,
    ),
  );
  out.push('agreement per cell:');
  out.push(
    boxTable(
      ['model', 'effort', 'condition', 'distance', 'labelled', 'agree', 'agreement', '95% interval', 'unscored'],
      c.cells.map((x) => [
        x.cell.model,
        x.cell.effort,
        x.cell.condition,
        x.cell.distance,
        x.labelled,
        `${x.agreement.k}/${x.agreement.n}`,
        num(x.agreement.value),
        interval(x.agreement.ci95),
        unscoredIn(x.confusion),
      ]),
      fit,
    ),
  );
  if (c.unscored > 0) {
    out.push(
      `${c.unscored} labelled transcript${c.unscored === 1 ? '' : 's'} got no verdict from the judge (unscored): counted above, left out of sensitivity, specificity, agreement and kappa:`,
    );
    for (const i of c.items.filter((x) => x.judge === 'unscored')) out.push(`  line ${i.line}: ${i.transcript} (people said ${i.human})`);
  }
  return out.join('\n');
}
