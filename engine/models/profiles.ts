import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { validatorFor } from '../schemas/compile.js';
import type { ModelProfiles, Profile } from '../schemas/model-profiles.generated.js';

export type { Profile };
export type Effort = 'standard' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';
export const EFFORTS: readonly Effort[] = ['standard', 'low', 'medium', 'high', 'xhigh', 'max'];

/** The profiles shipped in engine/data/model-profiles.json, validated once. */
export function loadProfiles(file = join(packageRoot(), 'engine', 'data', 'model-profiles.json')): Profile[] {
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const validate = validatorFor<ModelProfiles>('model-profiles');
  if (!validate(data)) throw new Error(`${file}: invalid model profiles: ${JSON.stringify(validate.errors)}`);
  return data.models;
}

/**
 * The profile for a model name as a user or provider spells it: the API id, a dated snapshot,
 * or OpenRouter's `anthropic/claude-opus-4.7`.
 */
export function findProfile(profiles: readonly Profile[], model: string): Profile | undefined {
  const bare = model.trim();
  return profiles.find((p) => p.id === bare || (p.aliases ?? []).includes(bare));
}

export function isRehearsalModel(model: string): boolean {
  return model.startsWith('rehearsal:');
}
