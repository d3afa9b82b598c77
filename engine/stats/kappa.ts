import { cohensKappa } from '../score/agreement.js';
import { seededRandom } from './random.js';

export const BOOTSTRAP_DRAWS = 2000;
export const BOOTSTRAP_SEED = 1;

/**
 * A percentile bootstrap interval for Cohen's kappa (Efron & Tibshirani 1993, ch. 13): the
 * items are resampled with replacement `draws` times, kappa is computed on each resample, and
 * the interval is the (alpha/2 * draws)-th and ((1 - alpha/2) * draws)-th smallest of them,
 * order statistics with no interpolation. Kappa has no simple standard error at the sizes a
 * labelled set has (tens to a few hundred items), and its sampling distribution is skewed near 1,
 * which the percentiles follow and a normal interval does not. Seeded: reproducible.
 * Null with no items.
 */
export function bootstrapKappa<L extends string>(
  a: readonly L[],
  b: readonly L[],
  o: { draws?: number; seed?: number; confidence?: number; clusters?: readonly string[] } = {},
): { low: number; high: number } | null {
  if (a.length !== b.length) throw new Error('bootstrapKappa: both raters must label the same items');
  const n = a.length;
  if (n === 0) return null;
  const draws = o.draws ?? BOOTSTRAP_DRAWS;
  const alpha = 1 - (o.confidence ?? 0.95);
  const random = seededRandom(o.seed ?? BOOTSTRAP_SEED);
  // Scenarios are the unit of evidence: with clusters, whole clusters are resampled (a cluster
  // bootstrap, Davison & Hinkley 1997, sec. 3.8), so labels of one scenario stay together.
  const groups = clusterIndexes(n, o.clusters);
  const kappas: number[] = [];
  for (let d = 0; d < draws; d++) {
    const ra: L[] = [];
    const rb: L[] = [];
    for (let g = 0; g < groups.length; g++) {
      for (const j of groups[Math.floor(random() * groups.length)]!) {
        ra.push(a[j]!);
        rb.push(b[j]!);
      }
    }
    // Null only for an empty resample, which cannot happen here (n > 0).
    kappas.push(cohensKappa(ra, rb) ?? 0);
  }
  kappas.sort((x, y) => x - y);
  // The k-th smallest of the draws; the epsilon keeps 0.975 * 2000 at 1950, not 1950.0000000000002.
  const nth = (p: number) => kappas[Math.min(draws, Math.max(1, Math.ceil(p * draws - 1e-9))) - 1]!;
  return { low: nth(alpha / 2), high: nth(1 - alpha / 2) };
}

/** The items of each cluster, in first-seen order; without clusters, every item is its own. */
function clusterIndexes(n: number, clusters: readonly string[] | undefined): number[][] {
  if (clusters === undefined) return Array.from({ length: n }, (_, i) => [i]);
  if (clusters.length !== n) throw new Error('bootstrapKappa: one cluster per item');
  const byName = new Map<string, number[]>();
  clusters.forEach((c, i) => {
    byName.set(c, [...(byName.get(c) ?? []), i]);
  });
  return [...byName.values()];
}
