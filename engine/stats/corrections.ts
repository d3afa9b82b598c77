/** Corrections applied after the tests: for testing many comparisons, and for an imperfect judge. */

/**
 * Holm's (1979) step-down adjusted p-values (Scand J Statist 6:65): sort ascending, multiply the
 * k-th smallest (from 0) by (m - k), carry the running maximum so the adjusted values keep the
 * order of the raw ones, cap at 1. Returned in the order given. Controls the family-wise error
 * rate under any dependence between the tests, and is never less powerful than Bonferroni.
 */
export function holm(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((_, i) => i).sort((i, j) => ps[i]! - ps[j]!);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach((index, k) => {
    running = Math.max(running, Math.min(1, (m - k) * ps[index]!));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * The Rogan–Gladen (1978, Am J Epidemiol 107:71) estimate of a true rate from an apparent one
 * measured by a judge with known sensitivity and specificity:
 *   (p + spec - 1) / (sens + spec - 1), clipped to [0, 1].
 * Null when sens + spec <= 1: such a judge is no better than a coin and the rate cannot be
 * recovered.
 */
export function roganGladen(p: number, sensitivity: number, specificity: number): number | null {
  const youden = sensitivity + specificity - 1;
  if (!(youden > 0)) return null;
  return Math.min(1, Math.max(0, (p + specificity - 1) / youden));
}
