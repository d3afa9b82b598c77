import type { Calibration } from '../schemas/calibration.generated.js';
import type { Rates, Report } from '../schemas/report.generated.js';
import { roganGladen } from '../stats/index.js';

type Interval = { low: number; high: number };

export const CORRECTION_METHOD =
  "Rogan-Gladen: (rate + specificity - 1) / (sensitivity + specificity - 1), from a labelled set (calibrate --labels); the interval is the range of the correction over the rate's interval and the Wilson intervals of the judge's sensitivity and specificity, so it carries the judge's uncertainty too (Rogan & Gladen 1978)";

/**
 * A rate corrected for the judge's measured error, and an interval widened to match. The
 * correction is monotone in each of the rate, the sensitivity and the specificity (where
 * sensitivity + specificity > 1), so its extremes over the box of their intervals are at the
 * corners: the interval is the least and the greatest of the eight. Null where the judge is no
 * better than chance (sensitivity + specificity <= 1), which no correction can mend.
 */
export function correctRate(
  r: Pick<Rates, 'rate' | 'ci95'>,
  sens: { value: number | null; ci95: Interval | null },
  spec: { value: number | null; ci95: Interval | null },
): NonNullable<Rates['corrected']> {
  if (r.rate === null || sens.value === null || spec.value === null) return { rate: null, ci95: null };
  const rate = roganGladen(r.rate, sens.value, spec.value);
  if (rate === null || r.ci95 === null || sens.ci95 === null || spec.ci95 === null) return { rate, ci95: null };
  const corners: number[] = [];
  for (const p of [r.ci95.low, r.ci95.high])
    for (const se of [sens.ci95.low, sens.ci95.high])
      for (const sp of [spec.ci95.low, spec.ci95.high]) {
        const c = roganGladen(p, se, sp);
        // A corner where the judge would be no better than chance: the data allow any rate.
        if (c === null) return { rate, ci95: { low: 0, high: 1 } };
        corners.push(c);
      }
  return { rate, ci95: { low: Math.min(...corners), high: Math.max(...corners) } };
}

/** Adds the corrected rate to every rate of a report (cells and summaries), and says which calibration it used. */
export function applyJudgeCorrection(report: Report, cal: Calibration, file: string): Report {
  const sens = { value: cal.sensitivity.value, ci95: cal.sensitivity.ci95 };
  const spec = { value: cal.specificity.value, ci95: cal.specificity.ci95 };
  const fix = (m: Rates): Rates => ({ ...m, corrected: correctRate(m, sens, spec) });
  const s = report.summary;
  const warnings = [...report.warnings];
  if (cal.judge.id !== report.judge) {
    warnings.push(`--judge-calibration ${file} calibrated judge ${cal.judge.id}, but this report reads judge ${report.judge}: the correction assumes they err alike`);
  }
  return {
    ...report,
    cells: report.cells.map((c) => ({ ...c, mem_fail: fix(c.mem_fail) })),
    summary: {
      by_model: s.by_model.map((g) => ({ ...g, mem_fail: fix(g.mem_fail) })),
      by_effort: s.by_effort.map((g) => ({ ...g, mem_fail: fix(g.mem_fail) })),
      by_condition: s.by_condition.map((g) => ({ ...g, mem_fail: fix(g.mem_fail) })),
      by_distance: s.by_distance.map((g) => ({ ...g, mem_fail: fix(g.mem_fail) })),
      overall: { ...s.overall, mem_fail: fix(s.overall.mem_fail) },
    },
    judge_correction: { calibration: file, labels_sha256: cal.labels.sha256, judge: cal.judge.id, sensitivity: sens, specificity: spec, method: CORRECTION_METHOD },
    warnings,
  };
}
