/**
 * Seeded random numbers: template sampling (scenario stage), Monte Carlo p-values and the
 * simulations that test the statistics. Math.random cannot be seeded, and a sample that
 * differs each run cannot be reproduced.
 */

/**
 * mulberry32 (Tommy Ettinger, 2017, public domain): a 32-bit state advanced by a Weyl sequence
 * and mixed by two multiply-xorshift rounds. Period 2^32, passes gjrand and PractRand to the
 * sizes simulations here use, and is a few lines. Returns floats in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
