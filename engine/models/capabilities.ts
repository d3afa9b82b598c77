import type Anthropic from '@anthropic-ai/sdk';
import { UsageError } from '../errors.js';
import type { EffortLevel, ResolvedModel, ThinkingType } from '../schemas/model-profiles.generated.js';
import type { CachedModel, CapabilityCache } from './capability-cache.js';
import { EFFORT_LEVELS, findProfile, isRehearsalModel, type Profile, suggestModels } from './profiles.js';

export type { ResolvedModel };
type ModelInfo = Anthropic.Models.ModelInfo;

/**
 * The Models API as this stage needs it: GET /v1/models/{id} and every page of GET /v1/models.
 * The provider layer implements it over the SDK's client.models; this stage never imports a
 * provider. https://platform.claude.com/docs/en/api/models/list
 */
export interface ModelsApi {
  retrieve(id: string): Promise<ModelInfo>;
  list(): Promise<ModelInfo[]>;
}

export interface ResolveDeps {
  /** Undefined when the provider has no Models API (the rehearsal, OpenRouter). */
  api: ModelsApi | undefined;
  profiles: readonly Profile[];
  cache?: CapabilityCache;
  now: () => number;
  /** For listings: report a retired model instead of refusing it. */
  allowRetired?: boolean;
}

export interface Resolution {
  /** One record per distinct name, in the order given: what the run manifest records. */
  models: ResolvedModel[];
  /** One line each, for the caller to print: fallbacks, deprecations, a stale cache used. */
  warnings: string[];
}

/** A cached Models API answer is used for a day, then fetched again. */
export const CACHE_TTL_MS = 24 * 60 * 60 * 1000;

const THINKING_TYPES: readonly ThinkingType[] = ['adaptive', 'enabled', 'disabled', 'between_tools'];
const PROFILES_FILE = 'engine/data/model-profiles.json';

/**
 * Each model's capabilities, before anything is sent: from the Models API (a cached answer
 * younger than a day, else GET /v1/models/{id}) merged over the profile, or from the profile
 * when the endpoint has no Models API, with one warning line saying so.
 *
 * Refuses (UsageError, exit 2) a model the Models API does not know, with a "did you mean" from
 * its list, and a retired model, with its retirement date. A 404 from GET /v1/models/{id} means
 * "no such model" only when GET /v1/models lists models; when the list fails too, the endpoint
 * has no Models API (an Anthropic-compatible server) and the profiles are used.
 */
export async function resolveModels(names: readonly string[], deps: ResolveDeps): Promise<Resolution> {
  const warnings: string[] = [];
  const models: ResolvedModel[] = [];
  const fellBack: string[] = [];
  let listing: Promise<ModelInfo[] | null> | undefined;
  // GET /v1/models, asked at most once, and only after a 404: null when it fails or lists nothing.
  const listed = (api: ModelsApi) => {
    listing ??= api.list().then(
      (all) => (all.length > 0 ? all : null),
      () => null,
    );
    return listing;
  };
  let api = deps.api;

  for (const name of [...new Set(names)]) {
    const profile = findProfile(deps.profiles, name);
    let record = isRehearsalModel(name) && profile ? fromProfile(name, profile) : undefined;
    if (!record && api) {
      record = await askModelsApi(name, profile, api, listed, deps, warnings);
      // One 404 and a failed list settle it for every model: nothing more is asked.
      if (!record) api = undefined;
    }
    if (!record) {
      fellBack.push(name);
      record = profile ? fromProfile(name, profile) : unprofiled(name);
      if (!profile) {
        const known = deps.profiles.flatMap((p) => [p.id, ...p.aliases]);
        warnings.push(`${name} has no model profile: parameters are sent as requested and no cost is computed${didYouMean(suggestModels(name, known))}`);
      }
    }
    if (!deps.allowRetired) refuseRetired(record, profile, deps.profiles);
    const deprecation = deprecationWarning(record, deps.now());
    if (deprecation) warnings.push(deprecation);
    models.push(record);
  }
  if (fellBack.length > 0) {
    const why = deps.api === undefined ? 'this provider has no Models API' : 'the endpoint has no Models API (GET /v1/models answered 404)';
    warnings.unshift(`${why}: capabilities of ${fellBack.join(', ')} come from ${PROFILES_FILE}`);
  }
  return { models, warnings };
}

/**
 * One model through the Models API: a fresh cached answer, else GET /v1/models/{id} (cached),
 * else, after a 404, its entry in GET /v1/models. Undefined when the endpoint has no Models API;
 * a UsageError when it has one that does not know the model. Any other failure stands, unless
 * an older cached answer can stand in for it (with a warning).
 */
async function askModelsApi(
  name: string,
  profile: Profile | undefined,
  api: ModelsApi,
  listed: (api: ModelsApi) => Promise<ModelInfo[] | null>,
  deps: ResolveDeps,
  warnings: string[],
): Promise<ResolvedModel | undefined> {
  const merge = (info: ModelInfo, fetchedAt: string) => fromModelInfo(name, info, findProfile(deps.profiles, info.id) ?? profile, fetchedAt);
  const cached = await deps.cache?.get(name);
  if (cached && isFresh(cached, deps.now())) return merge(cached.model, cached.fetched_at);
  let info: ModelInfo | undefined;
  try {
    info = await api.retrieve(name);
  } catch (error) {
    if (!isNotFound(error)) {
      if (!cached) throw error;
      warnings.push(`${name}: the Models API failed (${describe(error)}); using its capabilities as fetched at ${cached.fetched_at}`);
      return merge(cached.model, cached.fetched_at);
    }
    const all = await listed(api);
    if (all === null) return undefined;
    info = all.find((m) => m.id === name);
    if (!info) throw unknownModel(name, all);
  }
  const fetchedAt = new Date(deps.now()).toISOString();
  try {
    await deps.cache?.put(name, { fetched_at: fetchedAt, model: info });
  } catch (error) {
    warnings.push(`${name}: could not cache its capabilities (${(error as Error).message}); they will be fetched again next time`);
  }
  return merge(info, fetchedAt);
}

function isFresh(entry: CachedModel, now: number): boolean {
  const age = now - Date.parse(entry.fetched_at);
  return age >= 0 && age < CACHE_TTL_MS;
}

/** An SDK error as one short phrase: its status and the API's own message, not the raw body. */
function describe(error: unknown): string {
  const e = error as { status?: unknown; apiMessage?: unknown; message?: unknown };
  const text = typeof e.apiMessage === 'string' ? e.apiMessage : String(e.message ?? error);
  return typeof e.status === 'number' && typeof e.apiMessage === 'string' ? `${e.status} ${text}` : text;
}

/** A 404 from the SDK (APIError.status) or any implementation that sets status the same way. */
export function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}

/**
 * What the Models API says, merged over the profile: every field the API answers (limits,
 * effort levels, thinking types, lifecycle) wins; the profile adds what the API does not say
 * (the default effort, the thinking-display default) and fills what it leaves null.
 */
export function fromModelInfo(requested: string, info: ModelInfo, profile: Profile | undefined, fetchedAt: string): ResolvedModel {
  const caps = info.capabilities;
  const efforts = caps ? (caps.effort.supported ? EFFORT_LEVELS.filter((e) => caps.effort[e]?.supported === true) : []) : (profile?.efforts ?? []);
  const thinking = caps ? THINKING_TYPES.filter((t) => caps.thinking.types[t]?.supported === true) : (profile?.thinking.types ?? []);
  return {
    requested,
    id: info.id,
    source: 'models-api',
    fetched_at: fetchedAt,
    display_name: info.display_name || profile?.display_name || null,
    line: info.line ?? profile?.line ?? null,
    max_tokens: info.max_tokens ?? profile?.max_output_tokens ?? null,
    max_input_tokens: info.max_input_tokens ?? profile?.max_input_tokens ?? null,
    efforts,
    default_effort: defaultEffortWithin(profile?.default_effort ?? null, efforts),
    thinking_types: thinking,
    display_default: profile?.thinking.display_default ?? null,
    lifecycle: info.lifecycle,
    deprecated_at: info.deprecated_at,
    retires_at: info.retires_at,
  };
}

/** The profile alone, for an endpoint without a Models API. */
export function fromProfile(requested: string, p: Profile): ResolvedModel {
  return {
    requested,
    id: p.id,
    source: 'profile',
    fetched_at: null,
    display_name: p.display_name,
    line: p.line,
    max_tokens: p.max_output_tokens,
    max_input_tokens: p.max_input_tokens,
    efforts: [...p.efforts],
    default_effort: p.default_effort,
    thinking_types: [...p.thinking.types],
    display_default: p.thinking.display_default,
    lifecycle: p.lifecycle,
    deprecated_at: p.deprecated_at,
    retires_at: p.retires_at,
  };
}

function unprofiled(requested: string): ResolvedModel {
  return {
    requested,
    id: requested,
    source: 'none',
    fetched_at: null,
    display_name: null,
    line: null,
    max_tokens: null,
    max_input_tokens: null,
    efforts: [],
    default_effort: null,
    thinking_types: [],
    display_default: null,
    lifecycle: 'active',
    deprecated_at: null,
    retires_at: null,
  };
}

/** A default effort the API says the model no longer takes is not one the engine can record. */
function defaultEffortWithin(effort: EffortLevel | null, efforts: readonly EffortLevel[]): EffortLevel | null {
  return effort !== null && efforts.includes(effort) ? effort : null;
}

function unknownModel(name: string, listed: readonly ModelInfo[]): UsageError {
  const ids = listed.map((m) => m.id);
  return new UsageError(`${name}: the endpoint's Models API does not know this model${didYouMean(suggestModels(name, ids))}; driftbench models lists the ones it offers`);
}

function didYouMean(suggestions: readonly string[]): string {
  return suggestions.length > 0 ? ` (did you mean ${suggestions.join(', ')}?)` : '';
}

/**
 * A retired model is refused before anything is sent: requests naming it fail. When the Models
 * API answered, its lifecycle decides (a profile marked retired may still be served on another
 * endpoint); otherwise the profile's does.
 */
function refuseRetired(r: ResolvedModel, profile: Profile | undefined, profiles: readonly Profile[]): void {
  if (r.lifecycle !== 'retired') return;
  const on = r.retires_at ? ` on ${r.retires_at.slice(0, 10)}` : '';
  const by = r.source === 'models-api' ? 'the Models API' : 'its model profile';
  const line = r.line ?? profile?.line ?? null;
  const current = profiles.filter((p) => p.line === line && line !== null && p.lifecycle === 'active').map((p) => p.id);
  const instead = current.length > 0 ? `; current ${line} models: ${current.join(', ')}` : '';
  throw new UsageError(`${r.requested} was retired${on} (${by}): requests naming it fail${instead}`);
}

function deprecationWarning(r: ResolvedModel, now: number): string | undefined {
  if (r.lifecycle !== 'deprecated') return undefined;
  if (!r.retires_at) return `${r.requested} is deprecated: it will be retired`;
  const day = r.retires_at.slice(0, 10);
  // A past date on a deprecated model means retirement is overdue, not done: lifecycle decides.
  // https://platform.claude.com/docs/en/api/models/list (ModelInfo.retires_at)
  return Date.parse(r.retires_at) <= now
    ? `${r.requested} is deprecated and was due to retire on ${day}: requests may start failing`
    : `${r.requested} is deprecated and retires on ${day}`;
}
