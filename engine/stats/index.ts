/** The statistics reports print: scenario-level intervals and tests (issue 14) and the older pooled helpers. */
export { type ClusteredRate, clusteredRate, designEffect, type Interval, iccAnova, type ScenarioCount } from './clustered.js';
export { type CmhStratum, cmh } from './cmh.js';
export { BOOTSTRAP_DRAWS, BOOTSTRAP_SEED, bootstrapKappa } from './kappa.js';
export { holm, roganGladen } from './corrections.js';
export { chiSquareSf, normalCdf, studentTCdf, tQuantile } from './distributions.js';
export { compareByScenario, type PairedComparison, type ScenarioDiff, trendByScenario } from './paired.js';
export { type PowerOptions, type PowerPlan, planPower } from './power.js';
export { seededRandom } from './random.js';
export { signFlipTest } from './sign-flip.js';
export { mcnemarExact, mean, median, normalQuantile, wilson, Z95 } from './stats.js';
