import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import { APIConnectionError, InternalServerError, NotFoundError } from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { CACHE_TTL_MS, type ModelsApi, resolveModels } from './capabilities.js';
import { capabilityCacheDir, type CapabilityCache, fileCapabilityCache } from './capability-cache.js';
import { loadProfiles } from './profiles.js';
import { modelInfo } from '../../test/helpers/model-info.js';

type ModelInfo = Anthropic.Models.ModelInfo;
const profiles = loadProfiles();
const T0 = Date.parse('2026-11-29T10:00:00Z');
const HOUR = 60 * 60 * 1000;
const _yes = { supported: true };
const _no = { supported: false };

const info = modelInfo;

const notFound = (what: string) => new NotFoundError(404, { type: 'error', error: { type: 'not_found_error', message: `model '${what}' not found` } }, undefined, new Headers());

/** Our ModelsApi interface over a fixed catalogue, counting calls; `absent` answers 404 to everything. */
function fakeApi(catalogue: ModelInfo[], o: { absent?: boolean; fail?: unknown } = {}) {
  const calls = { retrieve: [] as string[], list: 0 };
  const api: ModelsApi = {
    async retrieve(id) {
      calls.retrieve.push(id);
      if (o.fail) throw o.fail;
      const found = o.absent ? undefined : catalogue.find((m) => m.id === id);
      if (!found) throw notFound(id);
      return found;
    },
    async list() {
      calls.list++;
      if (o.absent) throw new NotFoundError(404, { type: 'error', error: { type: 'not_found_error', message: 'Not Found' } }, undefined, new Headers());
      return catalogue;
    },
  };
  return { api, calls };
}

let dir: string;
let cache: CapabilityCache;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftbench-models-'));
  cache = fileCapabilityCache(join(dir, 'models'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CATALOGUE = [
  info('claude-opus-5-5'),
  info('claude-sonnet-5-5', { thinking: ['adaptive', 'between_tools'] }),
  info('claude-opus-4-7', { thinking: ['adaptive', 'disabled'] }),
  info('claude-opus-4-5-20251101', { efforts: ['low', 'medium', 'high'], thinking: ['enabled', 'disabled'], lifecycle: 'deprecated', retires_at: '2027-01-22T00:00:00Z' }),
  info('claude-opus-4-1-20250805', { efforts: [], thinking: ['enabled', 'disabled'], lifecycle: 'retired', retires_at: '2026-08-05T00:00:00Z' }),
];

describe('resolveModels', () => {
  it('asks the Models API for each model and merges its answer over the profile', async () => {
    const { api, calls } = fakeApi([...CATALOGUE, info('claude-sonnet-5-5-preview', { max_tokens: 64_000 })]);
    const r = await resolveModels(['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-opus-5-5'], { api, profiles, cache, now: () => T0 });
    expect(calls.retrieve).toEqual(['claude-opus-5-5', 'claude-sonnet-5-5']);
    expect(r.warnings).toEqual([]);
    expect(r.models[0]).toEqual({
      requested: 'claude-opus-5-5',
      id: 'claude-opus-5-5',
      source: 'models-api',
      fetched_at: '2026-11-29T10:00:00.000Z',
      display_name: 'claude-opus-5-5',
      line: 'opus',
      max_tokens: 128_000,
      max_input_tokens: 1_000_000,
      efforts: ['low', 'medium', 'high', 'xhigh', 'max'],
      // What the API does not say comes from the profile.
      default_effort: 'medium',
      thinking_types: ['adaptive'],
      display_default: 'omitted',
      lifecycle: 'active',
      deprecated_at: null,
      retires_at: null,
    });
    expect(r.models[1]!.thinking_types).toEqual(['adaptive', 'between_tools']);
    // The record is plain JSON, as the manifest stores it.
    expect(JSON.parse(JSON.stringify(r.models))).toEqual(r.models);
  });

  it('believes the Models API over the profile: efforts it no longer lists are gone', async () => {
    const { api } = fakeApi([info('claude-opus-5-5', { efforts: ['low', 'high'], max_tokens: 64_000 })]);
    const [m] = (await resolveModels(['claude-opus-5-5'], { api, profiles, cache, now: () => T0 })).models;
    expect(m).toMatchObject({ efforts: ['low', 'high'], max_tokens: 64_000, default_effort: null });
  });

  it('uses a cached answer younger than a day, and fetches again once it is older', async () => {
    const { api, calls } = fakeApi(CATALOGUE);
    await resolveModels(['claude-opus-5-5'], { api, profiles, cache, now: () => T0 });
    const files = await readdir(join(dir, 'models'));
    expect(files).toEqual(['claude-opus-5-5.json']);
    expect(JSON.parse(await readFile(join(dir, 'models', files[0]!), 'utf8'))).toMatchObject({ fetched_at: '2026-11-29T10:00:00.000Z', model: { id: 'claude-opus-5-5' } });

    const hit = await resolveModels(['claude-opus-5-5'], { api, profiles, cache, now: () => T0 + 23 * HOUR });
    expect(calls.retrieve).toEqual(['claude-opus-5-5']);
    expect(hit.models[0]).toMatchObject({ source: 'models-api', fetched_at: '2026-11-29T10:00:00.000Z' });

    const stale = await resolveModels(['claude-opus-5-5'], { api, profiles, cache, now: () => T0 + CACHE_TTL_MS + 1 });
    expect(calls.retrieve).toEqual(['claude-opus-5-5', 'claude-opus-5-5']);
    expect(stale.models[0]!.fetched_at).toBe('2026-11-30T10:00:00.001Z');
  });

  it('reads a damaged cache file as a miss and writes it again', async () => {
    const { api, calls } = fakeApi(CATALOGUE);
    await resolveModels(['claude-opus-5-5'], { api, profiles, cache, now: () => T0 });
    await writeFile(join(dir, 'models', 'claude-opus-5-5.json'), '{"fetched_at": "2026-11-29T10:00:00.000Z", "mod');
    const r = await resolveModels(['claude-opus-5-5'], { api, profiles, cache, now: () => T0 + HOUR });
    expect(calls.retrieve).toHaveLength(2);
    expect(r.models[0]!.fetched_at).toBe('2026-11-29T11:00:00.000Z');
  });

  it('uses a stale cached answer, with a warning, when the Models API fails; without one the failure stands', async () => {
    const { api } = fakeApi(CATALOGUE);
    await resolveModels(['claude-opus-5-5'], { api, profiles, cache, now: () => T0 });
    const down = fakeApi(CATALOGUE, { fail: new InternalServerError(500, { type: 'error', error: { type: 'api_error', message: 'boom' } }, undefined, new Headers()) });
    const r = await resolveModels(['claude-opus-5-5'], { api: down.api, profiles, cache, now: () => T0 + 2 * CACHE_TTL_MS });
    expect(r.models[0]).toMatchObject({ source: 'models-api', fetched_at: '2026-11-29T10:00:00.000Z' });
    expect(r.warnings).toEqual(['claude-opus-5-5: the Models API failed (500 boom); using its capabilities as fetched at 2026-11-29T10:00:00.000Z']);
    const offline = fakeApi(CATALOGUE, { fail: new APIConnectionError({ message: 'Connection error.' }) });
    await expect(resolveModels(['claude-sonnet-5-5'], { api: offline.api, profiles, cache, now: () => T0 })).rejects.toThrow('Connection error.');
  });

  it('falls back to the profiles with one warning line where the endpoint has no Models API', async () => {
    const { api, calls } = fakeApi([], { absent: true });
    const r = await resolveModels(['claude-opus-5-5', 'claude-haiku-5-5', 'claude-opus-4-7'], { api, profiles, cache, now: () => T0 });
    // One 404 and one failed list decide it; nothing more is asked.
    expect(calls).toEqual({ retrieve: ['claude-opus-5-5'], list: 1 });
    expect(r.warnings).toEqual([
      'the endpoint has no Models API (GET /v1/models answered 404): capabilities of claude-opus-5-5, claude-haiku-5-5, claude-opus-4-7 come from engine/data/model-profiles.json',
    ]);
    expect(r.models.map((m) => [m.id, m.source, m.fetched_at, m.default_effort, m.display_default])).toEqual([
      ['claude-opus-5-5', 'profile', null, 'medium', 'omitted'],
      ['claude-haiku-5-5', 'profile', null, 'medium', 'omitted'],
      ['claude-opus-4-7', 'profile', null, 'high', 'omitted'],
    ]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('falls back the same way for a provider without a Models API, and never asks for rehearsal models', async () => {
    const r = await resolveModels(['anthropic/claude-opus-5.5'], { api: undefined, profiles, now: () => T0 });
    expect(r.models[0]).toMatchObject({ requested: 'anthropic/claude-opus-5.5', id: 'claude-opus-5-5', source: 'profile' });
    expect(r.warnings).toEqual(['this provider has no Models API: capabilities of anthropic/claude-opus-5.5 come from engine/data/model-profiles.json']);

    const { api, calls } = fakeApi(CATALOGUE);
    const rehearsal = await resolveModels(['rehearsal:pass', 'rehearsal:fail'], { api, profiles, cache, now: () => T0 });
    expect(calls).toEqual({ retrieve: [], list: 0 });
    expect(rehearsal).toEqual({ models: [expect.objectContaining({ id: 'rehearsal:pass', source: 'profile' }), expect.objectContaining({ id: 'rehearsal:fail' })], warnings: [] });
  });

  it('says so, with a guess, when neither the endpoint nor the profiles know a model', async () => {
    const r = await resolveModels(['claude-opus-5.6'], { api: fakeApi([], { absent: true }).api, profiles, now: () => T0 });
    expect(r.models[0]).toMatchObject({ id: 'claude-opus-5.6', source: 'none', efforts: [], default_effort: null });
    expect(r.warnings[1]).toBe(
      'claude-opus-5.6 has no model profile: parameters are sent as requested and no cost is computed (did you mean claude-opus-5-5, claude-opus-4-6, claude-opus-5?)',
    );
  });

  it('refuses a model the Models API does not know, with a did-you-mean from its list', async () => {
    const { api, calls } = fakeApi(CATALOGUE);
    const error = await resolveModels(['claude-opus-4-7', 'claude-opus-5.5'], { api, profiles, cache, now: () => T0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toBe(
      "claude-opus-5.5: the endpoint's Models API does not know this model (did you mean claude-opus-5-5?); driftbench models lists the ones it offers",
    );
    expect(calls.list).toBe(1);
  });

  it('refuses a retired model with its retirement date, by the Models API or by the profile', async () => {
    const { api } = fakeApi(CATALOGUE);
    await expect(resolveModels(['claude-opus-4-1-20250805'], { api, profiles, cache, now: () => T0 })).rejects.toThrow(
      new UsageError('claude-opus-4-1-20250805 was retired on 2026-08-05 (the Models API): requests naming it fail; current opus models: claude-opus-5-5'),
    );
    await expect(resolveModels(['claude-sonnet-4-0'], { api: undefined, profiles, now: () => T0 })).rejects.toThrow(
      new UsageError('claude-sonnet-4-0 was retired on 2026-06-15 (its model profile): requests naming it fail; current sonnet models: claude-sonnet-5-5'),
    );
    // A listing shows it instead.
    const listed = await resolveModels(['claude-opus-4-1-20250805'], { api, profiles, cache, now: () => T0, allowRetired: true });
    expect(listed.models[0]).toMatchObject({ lifecycle: 'retired', retires_at: '2026-08-05T00:00:00Z' });
  });

  it('warns about a deprecated model, and says when its retirement is overdue', async () => {
    const { api } = fakeApi(CATALOGUE);
    const r = await resolveModels(['claude-opus-4-5-20251101'], { api, profiles, cache, now: () => T0 });
    expect(r.warnings).toEqual(['claude-opus-4-5-20251101 is deprecated and retires on 2027-01-22']);
    const late = await resolveModels(['claude-sonnet-4-5'], { api: undefined, profiles, now: () => Date.parse('2026-12-01T00:00:00Z') });
    expect(late.warnings[1]).toBe('claude-sonnet-4-5 is deprecated and was due to retire on 2026-11-30: requests may start failing');
  });
});

describe('capabilityCacheDir', () => {
  it('keeps one folder per endpoint host and port', () => {
    expect(capabilityCacheDir('/w', undefined)).toBe('/w/.driftbench-cache/models/api.anthropic.com');
    expect(capabilityCacheDir('/w', 'http://127.0.0.1:8787/')).toBe('/w/.driftbench-cache/models/127.0.0.1_8787');
    expect(capabilityCacheDir('/w', 'http://127.0.0.1:8787/', { DRIFTBENCH_MODELS_CACHE_DIR: '/c' })).toBe('/c/127.0.0.1_8787');
  });
});
