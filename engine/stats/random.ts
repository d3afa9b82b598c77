/**
 * Seeded random numbers for Monte Carlo p-values and for the simulations that test the
 * statistics. Math.random cannot be seeded, and a test that draws differently each run cannot be
 * trusted to fail for the same reason twice.
 */

export { seededRandom } from '../random.js';

/** A standard normal draw by the Box–Muller transform (one of the pair is used). */
export function randomNormal(random: () => number): number {
  const u = 1 - random(); // (0, 1]: log(0) must not happen
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * A Gamma(shape, 1) draw: Marsaglia & Tsang (2000), "A simple method for generating gamma
 * variables", ACM TOMS 26(3):363, for shape >= 1; for shape < 1, Gamma(shape + 1) * U^(1/shape).
 */
export function randomGamma(shape: number, random: () => number): number {
  if (shape < 1) return randomGamma(shape + 1, random) * (1 - random()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = randomNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function randomBeta(a: number, b: number, random: () => number): number {
  const x = randomGamma(a, random);
  const y = randomGamma(b, random);
  return x + y === 0 ? 0.5 : x / (x + y);
}

/** A Binomial(n, p) draw as a count of Bernoulli trials: n is a handful of repeats here. */
export function randomBinomial(n: number, p: number, random: () => number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random() < p) k++;
  return k;
}

/**
 * Scenario failure probabilities with a given mean and intraclass correlation: p_s ~ Beta(α, β)
 * with α + β = 1/icc - 1, so that icc = 1/(α + β + 1), the beta-binomial ICC (e.g. Donner & Klar
 * 2000, §2). `icc` must be in (0, 1).
 */
export function betaForIcc(mean: number, icc: number): { alpha: number; beta: number } {
  const total = 1 / icc - 1;
  return { alpha: mean * total, beta: (1 - mean) * total };
}
