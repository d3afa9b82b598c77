/**
 * Cohen's kappa between two raters over the same items: agreement beyond what their label
 * frequencies give by chance. 1 is perfect, 0 chance level, below 0 worse than chance.
 * Null when chance agreement is already total (every item has one label on both sides) and
 * the raters disagree somewhere; 1 when they agree on every item.
 */
export function cohensKappa<L extends string>(a: readonly L[], b: readonly L[]): number | null {
  if (a.length !== b.length) throw new Error('cohensKappa: both raters must label the same items');
  const n = a.length;
  if (n === 0) return null;
  const labels = new Set<L>([...a, ...b]);
  const po = a.filter((x, i) => x === b[i]).length / n;
  let pe = 0;
  for (const l of labels) pe += (a.filter((x) => x === l).length / n) * (b.filter((x) => x === l).length / n);
  if (pe === 1) return po === 1 ? 1 : null;
  return (po - pe) / (1 - pe);
}
