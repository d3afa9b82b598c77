import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { validatorFor } from '../schemas/compile.js';
import type { ModelProfiles, Profile } from '../schemas/model-profiles.generated.js';
import type { Effort, EffortLevel } from './efforts.js';

export type { Profile };
export { EFFORTS, EFFORT_LEVELS, type Effort, type EffortLevel } from './efforts.js';

/** The profiles shipped in engine/data/model-profiles.json, validated once. */
export function loadProfiles(file = join(packageRoot(), 'engine', 'data', 'model-profiles.json')): Profile[] {
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const validate = validatorFor<ModelProfiles>('model-profiles');
  if (!validate(data)) throw new Error(`${file}: invalid model profiles: ${JSON.stringify(validate.errors)}`);
  return data.models;
}

/**
 * The profile for a model name as a user or provider spells it: the API id, a dated snapshot's
 * alias, or OpenRouter's `anthropic/claude-opus-4.7`.
 */
export function findProfile(profiles: readonly Profile[], model: string): Profile | undefined {
  const bare = model.trim();
  return profiles.find((p) => p.id === bare || p.aliases.includes(bare));
}

export function isRehearsalModel(model: string): boolean {
  return model.startsWith('rehearsal:');
}

/** `default` and `standard` send no effort parameter; every other effort is a level. */
export function isDefaultEffort(effort: Effort): effort is 'default' | 'standard' {
  return effort === 'default' || effort === 'standard';
}

/**
 * The level a model actually works at for an effort: the level itself, or for default/standard
 * the model's own default. Null for a model that takes no effort (Haiku 4.5, Sonnet 4.5).
 * Works on a profile and on capabilities resolved from the Models API alike.
 */
export function effectiveEffort(model: { default_effort: EffortLevel | null }, effort: Effort): EffortLevel | null {
  return isDefaultEffort(effort) ? model.default_effort : effort;
}

/** Whether a model takes an effort: default/standard always (nothing is sent), a level when listed. */
export function supportsEffort(model: { efforts: readonly EffortLevel[] }, effort: Effort): boolean {
  return isDefaultEffort(effort) || model.efforts.includes(effort);
}

/** max_tokens to send at an effort: the profile's number for the level, else its default. */
export function maxTokensFor(profile: Profile, effort: Effort): number {
  return (isDefaultEffort(effort) ? undefined : profile.max_tokens[effort]) ?? profile.max_tokens.default;
}

/** Expected output tokens per turn at an effort, for estimates: the level's, else the default's. */
export function expectedOutputFor(profile: Profile, effort: Effort): number {
  return (isDefaultEffort(effort) ? undefined : profile.expected_output_tokens[effort]) ?? profile.expected_output_tokens.default;
}

/**
 * Up to three known names close to an unknown one, for "did you mean": the closest first (ties
 * in the order given), and only those within one step of the closest. Spellings of one model
 * (claude-opus-5.5, anthropic/claude-opus-5-5, Claude-Opus-5-5) are the closest; then a known
 * name that contains the one given (opus-5-5); then edit distance, within a third of the length.
 */
export function suggestModels(name: string, known: readonly string[]): string[] {
  const want = normalize(name);
  if (want === '') return [];
  const scored: Array<{ name: string; score: number }> = [];
  const seen = new Set<string>();
  for (const k of known) {
    const have = normalize(k);
    // Two spellings of one model (an id and its OpenRouter alias) are one suggestion: the first.
    if (seen.has(have)) continue;
    seen.add(have);
    const score = have === want ? 0 : have.includes(want) ? 1 : 1 + editDistance(want, have);
    if (score <= 1 || score - 1 <= Math.max(2, Math.floor(want.length / 3))) scored.push({ name: k, score });
  }
  const best = Math.min(...scored.map((s) => s.score));
  return scored
    .filter((s) => s.score <= best + 1)
    .sort((a, b) => a.score - b.score)
    .slice(0, 3)
    .map((s) => s.name);
}

function normalize(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/^anthropic\//, '')
    .replace(/[._\s]/g, '-');
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent swaps). Written here rather than
 * taken from a package: a dozen lines run over a few dozen model names, once per unknown name.
 */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
