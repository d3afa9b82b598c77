/**
 * The distribution functions the scenario-level statistics need: Student t (CDF and quantile),
 * the normal CDF and the chi-square upper tail. Written from the maths rather than taken from a
 * package: each is a few lines around two special functions, the regularized incomplete beta and
 * gamma functions, and no maintained, dependency-free package ships just these.
 */

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln Γ(x) for x > 0: shift x up to at least 15 with Γ(x + 1) = x Γ(x), then Stirling's series
 * (Abramowitz & Stegun 6.1.41) to the 1/x^7 term. The first omitted term, 1/(1188 x^9), is below
 * 3e-14 at x = 15.
 */
export function lnGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let shift = 0;
  let z = x;
  while (z < 15) {
    shift += Math.log(z);
    z += 1;
  }
  const z2 = z * z;
  const series = 1 / (12 * z) - 1 / (360 * z * z2) + 1 / (1260 * z * z2 * z2) - 1 / (1680 * z * z2 * z2 * z2);
  return (z - 0.5) * Math.log(z) - z + LN_SQRT_2PI + series - shift;
}

const TINY = 1e-300;
const EPS = 1e-15;

/**
 * Evaluates the continued fraction b0 + a1/(b1 + a2/(b2 + ...)) by the modified Lentz method
 * (Lentz 1976; Thompson & Barnett 1986, J. Comput. Phys. 64:490). `term(m)` gives [a_m, b_m].
 */
function lentz(b0: number, term: (m: number) => [number, number]): number {
  let f = b0 === 0 ? TINY : b0;
  let c = f;
  let d = 0;
  for (let m = 1; m <= 10_000; m++) {
    const [a, b] = term(m);
    d = b + a * d;
    d = Math.abs(d) < TINY ? TINY : d;
    c = b + a / c;
    c = Math.abs(c) < TINY ? TINY : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return f;
}

/**
 * The regularized incomplete beta function I_x(a, b), from its continued fraction (DLMF 8.17.22),
 * which converges fast for x < (a + 1)/(a + b + 2); above that, I_x(a, b) = 1 - I_{1-x}(b, a).
 */
export function betaRegularized(x: number, a: number, b: number): number {
  if (Number.isNaN(x) || !(a > 0) || !(b > 0)) return Number.NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - betaRegularized(1 - x, b, a);
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - lnGamma(a) - lnGamma(b) + lnGamma(a + b)) / a;
  // d_{2k+1} = -(a+k)(a+b+k)x / ((a+2k)(a+2k+1)),  d_{2k} = k(b-k)x / ((a+2k-1)(a+2k)); all b_m = 1.
  const cf = lentz(1, (m) => {
    const k = Math.floor(m / 2);
    const d = m % 2 === 1 ? (-(a + k) * (a + b + k) * x) / ((a + 2 * k) * (a + 2 * k + 1)) : (k * (b - k) * x) / ((a + 2 * k - 1) * (a + 2 * k));
    return [d, 1];
  });
  return front / cf;
}

/**
 * The regularized upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a): the power series of
 * P = 1 - Q below x = a + 1 and Legendre's continued fraction for Q above (DLMF 8.11.4, 8.9.2).
 */
export function gammaQ(a: number, x: number): number {
  if (Number.isNaN(x) || !(a > 0)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const logFront = a * Math.log(x) - x - lnGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000 && Math.abs(term) > Math.abs(sum) * EPS; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return 1 - Math.exp(logFront) * sum;
  }
  // Q = e^-x x^a / Γ(a) * 1/(x+1-a - 1(1-a)/(x+3-a - 2(2-a)/(x+5-a - ...)))
  const cf = lentz(x + 1 - a, (m) => [-m * (m - a), x + 2 * m + 1 - a]);
  return Math.exp(logFront) / cf;
}

/** The standard normal CDF, Φ(z) = erfc(-z/√2)/2, with erfc(y) = Q(1/2, y²) for y >= 0. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const half = 0.5 * gammaQ(0.5, (z * z) / 2);
  return z < 0 ? half : 1 - half;
}

/** P(X > x) for X ~ chi-square with k degrees of freedom: Q(k/2, x/2). */
export function chiSquareSf(x: number, k: number): number {
  return gammaQ(k / 2, x / 2);
}

/** P(T > t) for t >= 0: I_{ν/(ν+t²)}(ν/2, 1/2) / 2 (Abramowitz & Stegun 26.7.1 with 26.5.27). Full relative precision far out. */
function tUpperTail(t: number, df: number): number {
  if (df === Number.POSITIVE_INFINITY) return 1 - normalCdf(t);
  return 0.5 * betaRegularized(df / (df + t * t), df / 2, 0.5);
}

/** The Student t CDF with `df` (> 0, not necessarily whole; Infinity gives the normal). */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  const tail = tUpperTail(Math.abs(t), df);
  return t < 0 ? tail : 1 - tail;
}

function tDensity(t: number, df: number): number {
  if (df === Number.POSITIVE_INFINITY) return Math.exp(-0.5 * t * t - LN_SQRT_2PI);
  return Math.exp(lnGamma((df + 1) / 2) - lnGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/**
 * The Student t quantile: the t with P(T <= t) = p. Solves P(T > t) = 1 - p on the upper tail
 * (so p near 1 keeps its precision) by Newton's method kept inside a bisection bracket.
 */
export function tQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || !(df > 0) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p < 0.5) return -tQuantile(1 - p, df);
  if (p === 0.5) return 0;
  const q = 1 - p;
  let lo = 0;
  let hi = 1;
  while (tUpperTail(hi, df) > q) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Number.POSITIVE_INFINITY;
  }
  let t = (lo + hi) / 2;
  for (let i = 0; i < 200; i++) {
    const f = tUpperTail(t, df) - q;
    if (f === 0) return t;
    // The tail falls as t rises: f > 0 means t is still too small.
    if (f > 0) lo = t;
    else hi = t;
    let next = t + f / tDensity(t, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-14 * Math.max(1, Math.abs(t))) return next;
    t = next;
  }
  return t;
}
