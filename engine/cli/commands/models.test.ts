import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import { NotFoundError } from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import type { ModelsApi } from '../../models/capabilities.js';
import { fileCapabilityCache } from '../../models/capability-cache.js';
import { loadProfiles } from '../../models/profiles.js';
import { captureOutput } from '../output.js';
import { type ModelListing, modelsCommand } from './models.js';
import { modelInfo } from '../../../test/helpers/model-info.js';

type ModelInfo = Anthropic.Models.ModelInfo;
const profiles = loadProfiles();
const now = () => Date.parse('2026-11-29T10:00:00Z');
const _yes = { supported: true };
const _no = { supported: false };

/** The fake catalogue's entries: line, efforts, thinking types, lifecycle and [context, max output] in that order. */
function info(
  id: string,
  line: Anthropic.Models.ModelLine,
  efforts: string[],
  thinking: string[],
  lifecycle: ModelInfo['lifecycle'] = 'active',
  limits = [1_000_000, 128_000],
): ModelInfo {
  return modelInfo(id, {
    line,
    efforts,
    thinking,
    lifecycle,
    retires_at: lifecycle === 'active' ? null : '2027-01-22T00:00:00Z',
    max_input_tokens: limits[0]!,
    max_tokens: limits[1]!,
  });
}

const ALL = ['low', 'medium', 'high', 'xhigh', 'max'];
const CATALOGUE = [
  info('claude-opus-5-5', 'opus', ALL, ['adaptive']),
  info('claude-sonnet-5-5', 'sonnet', ALL, ['adaptive', 'between_tools']),
  info('claude-haiku-5-5', 'haiku', ALL, ['adaptive', 'disabled']),
  info('claude-opus-4-5-20251101', 'opus', ['low', 'medium', 'high'], ['enabled', 'disabled'], 'deprecated', [200_000, 64_000]),
];
const missing = () => new NotFoundError(404, { type: 'error', error: { type: 'not_found_error', message: 'Not Found' } }, undefined, new Headers());
const api = (catalogue: ModelInfo[]): ModelsApi => ({
  retrieve: async (id) => catalogue.find((m) => m.id === id) ?? Promise.reject(missing()),
  list: async () => catalogue,
});
const noModelsApi: ModelsApi = { retrieve: () => Promise.reject(missing()), list: () => Promise.reject(missing()) };

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('driftbench models', () => {
  it('lists what the endpoint offers, with prices and defaults from the profiles, in 100 columns', async () => {
    dir = await mkdtemp(join(tmpdir(), 'driftbench-models-'));
    const output = captureOutput();
    const listing = await modelsCommand({ format: 'table' }, { output, api: api(CATALOGUE), profiles, cache: fileCapabilityCache(dir), now });
    const out = output.stdout.join('\n');
    expect(output.stdout[0]).toBe("4 models from the endpoint's Models API (prices and defaults: engine/data/model-profiles.json)");
    for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(out).toMatch(/│ claude-opus-5-5 +│ 1M in +│ low–max +│ adaptive +│ 4 in · 20 out +│/);
    expect(out).toMatch(/│ active +│ 128K out +│ default medium +│ display omitted +│ 5\/8\/0\.2 +│/);
    expect(out).toMatch(/│ claude-sonnet-5-5 +│ 1M in +│ low–max +│ adaptive, +│/);
    expect(out).toMatch(/│ active +│ 128K out +│ default high +│ between_tools +│/);
    // Haiku 5.5's longer prompts cost more, and the table says from where.
    expect(out).toMatch(/│ active +│ 128K out +│ default medium +│ display omitted \? +│ 0\.125\/0\.2\/0\.01 \? +│\n│ +│ +│ +│ +│ >100K: 0\.5\/2\.5 \? +│/);
    expect(out).toMatch(/│ claude-opus-4-5-20251101 +│ 200K in +│ low–high +│ enabled, disabled +│ 5 in · 25 out +│/);
    expect(out).toMatch(/│ deprecated → 2027-01-22 +│/);
    expect(listing.models.map((m) => m.source)).toEqual(['models-api', 'models-api', 'models-api', 'models-api']);
    // The listing warms the capability cache for the runs that follow.
    expect((await readdir(dir)).sort()).toEqual(['claude-haiku-5-5.json', 'claude-opus-4-5-20251101.json', 'claude-opus-5-5.json', 'claude-sonnet-5-5.json']);
  });

  it('lists the shipped profiles, and says so first, when there is no Models API', async () => {
    for (const [source, first] of [
      [undefined, 'No Models API for this provider: 22 model profiles from engine/data/model-profiles.json'],
      [noModelsApi, 'No Models API at this endpoint: 22 model profiles from engine/data/model-profiles.json'],
    ] as const) {
      const output = captureOutput();
      const listing = await modelsCommand({ format: 'table' }, { output, api: source, profiles, now });
      expect(output.stdout[0]).toBe(first);
      const out = output.stdout.join('\n');
      for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
      expect(listing.models.map((m) => m.id)).not.toContain('rehearsal:pass');
      expect(listing.models.every((m) => m.source === 'profile')).toBe(true);
      expect(out).toMatch(/│ claude-opus-4-6 +│ 1M in +│ low–high, max +│/);
      // An inferred price is marked unverified; a model with none says so.
      expect(out).toMatch(/│ claude-mythos-5-2 +│ \? in +│ low–max \? +│ adaptive +│ 8 in · 40 out \? +│/);
      expect(out).toMatch(/│ claude-mythos-preview +│.*│ no price +│/);
      expect(out).toMatch(/│ retired 2026-08-05 +│/);
    }
  });

  it('prints JSON alone on stdout, with the source inside it and the first line on stderr', async () => {
    const output = captureOutput();
    await modelsCommand({ format: 'json' }, { output, api: undefined, profiles, now });
    expect(output.stderr).toEqual(['No Models API for this provider: 22 model profiles from engine/data/model-profiles.json']);
    const listing = JSON.parse(output.stdout.join('\n')) as ModelListing;
    expect(listing.source).toBe('profiles');
    const haiku = listing.models.find((m) => m.id === 'claude-haiku-5-5')!;
    expect(haiku).toMatchObject({ default_effort: 'medium', thinking_types: ['adaptive', 'disabled'], mid_conversation_system: true, lifecycle: 'active' });
    expect(haiku.prices?.tiers?.[0]).toMatchObject({ above_prompt_tokens: 100000, input: 0.5, output: 2.5 });
    expect(haiku.unverified).toContain('prices.cache_read');
  });

  it('shows the models asked for, retired ones included, and refuses one the endpoint does not know', async () => {
    const output = captureOutput();
    const catalogue = [...CATALOGUE, info('claude-opus-4-1-20250805', 'opus', [], ['enabled', 'disabled'], 'retired')];
    const listing = await modelsCommand({ format: 'table', models: ['claude-opus-4-1-20250805', 'claude-opus-5-5'] }, { output, api: api(catalogue), profiles, now });
    expect(listing.models.map((m) => [m.id, m.lifecycle])).toEqual([
      ['claude-opus-4-1-20250805', 'retired'],
      ['claude-opus-5-5', 'active'],
    ]);
    expect(output.stdout[0]).toBe("2 models from the endpoint's Models API (prices and defaults: engine/data/model-profiles.json)");

    const error = await modelsCommand({ format: 'table', models: ['claude-sonet-5-5'] }, { output: captureOutput(), api: api(CATALOGUE), profiles, now }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain("claude-sonet-5-5: the endpoint's Models API does not know this model (did you mean claude-sonnet-5-5?)");
  });

  it('prints the fallback warning for models asked for without a Models API', async () => {
    const output = captureOutput();
    await modelsCommand({ format: 'table', models: ['claude-opus-5-5'] }, { output, api: undefined, profiles, now });
    expect(output.stderr).toEqual(['warning: this provider has no Models API: capabilities of claude-opus-5-5 come from engine/data/model-profiles.json']);
    expect(output.stdout[0]).toBe('No Models API for this provider: 1 model profile from engine/data/model-profiles.json');
  });
});
