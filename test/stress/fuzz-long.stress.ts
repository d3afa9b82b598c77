import { DEFAULT_SCALE, defineFuzzSuite } from './fuzz.test.js';

/**
 * The fuzz properties of fuzz.test.ts at 20,000 runs each, with their own fixed seed, for
 * `npm run test:stress`. Too slow for the default suite; run before a release.
 */
defineFuzzSuite({
  ...DEFAULT_SCALE,
  name: 'fuzz-long',
  seed: 31_337,
  runs: 20_000,
  binarySamples: 120,
  singleFileRuns: 8,
  scoreRepeats: 10,
  badTranscripts: 10,
  timeoutMs: 600_000,
});
