import { type CapabilityCache, capabilityCacheDir, fileCapabilityCache } from '../../models/capability-cache.js';
import { fromModelInfo, fromProfile, isNotFound, type ModelsApi, type ResolvedModel, resolveModels } from '../../models/capabilities.js';
import type { Prices } from '../../models/cost.js';
import { EFFORT_LEVELS, findProfile, isRehearsalModel, loadProfiles, type Profile } from '../../models/profiles.js';
import { boxTable } from '../../report/table.js';
import type { Output } from '../output.js';
import { makeProvider, providerKey } from '../provider.js';

export interface ModelsOptions {
  format: 'table' | 'json';
  /** Only these models (ids or aliases); every model the endpoint offers when absent. */
  models?: string[];
}

export interface ModelsDeps {
  output: Output;
  /** The endpoint's Models API; undefined when the provider has none (offline, OpenRouter). */
  api?: ModelsApi;
  profiles: readonly Profile[];
  cache?: CapabilityCache;
  now: () => number;
}

/** One model as `driftbench models` shows it: its capabilities, and what only the profile knows. */
export interface ModelEntry extends ResolvedModel {
  prices: Prices | null;
  mid_conversation_system: boolean | null;
  /** Profile fields inferred rather than read in a source (engine/data/model-profiles.json). */
  unverified: string[];
}

export interface ModelListing {
  /** models-api: the endpoint's GET /v1/models; profiles: the shipped profiles (no Models API). */
  source: 'models-api' | 'profiles';
  models: ModelEntry[];
}

const PROFILES_FILE = 'engine/data/model-profiles.json';

/**
 * `driftbench models`: the models the endpoint offers (GET /v1/models, merged with the profiles
 * for prices and defaults), or the profiles when there is no Models API, with capabilities,
 * prices and lifecycle. The first line says which; as JSON, that line goes to stderr and
 * stdout is the listing alone.
 */
export async function modelsCommand(opts: ModelsOptions, deps: ModelsDeps): Promise<ModelListing> {
  const listing = opts.models && opts.models.length > 0 ? await named(opts.models, deps) : await offered(deps);
  const head =
    listing.source === 'models-api'
      ? `${listing.models.length} model${listing.models.length === 1 ? '' : 's'} from the endpoint's Models API (prices and defaults: ${PROFILES_FILE})`
      : `No Models API${deps.api ? ' at this endpoint' : ' for this provider'}: ${listing.models.length} model profile${listing.models.length === 1 ? '' : 's'} from ${PROFILES_FILE}`;
  if (opts.format === 'json') {
    deps.output.err(head);
    deps.output.out(JSON.stringify(listing, null, 2));
  } else {
    deps.output.out(head);
    deps.output.out(modelsTable(listing.models, deps.output.columns));
    for (const line of legend(listing.models)) deps.output.out(line);
  }
  return listing;
}

/** Every model GET /v1/models lists, or every profile (rehearsal models aside) without one. */
async function offered(deps: ModelsDeps): Promise<ModelListing> {
  if (deps.api) {
    try {
      const infos = await deps.api.list();
      const fetchedAt = new Date(deps.now()).toISOString();
      // A listing is as good as a lookup: keep each answer so runs today need not ask again.
      await Promise.all(infos.map((info) => deps.cache?.put(info.id, { fetched_at: fetchedAt, model: info }).catch(() => undefined)));
      if (infos.length > 0)
        return { source: 'models-api', models: infos.map((info) => entry(fromModelInfo(info.id, info, findProfile(deps.profiles, info.id), fetchedAt), deps.profiles)) };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  const profiles = deps.profiles.filter((p) => !isRehearsalModel(p.id));
  return { source: 'profiles', models: profiles.map((p) => entry(fromProfile(p.id, p), deps.profiles)) };
}

/** The models asked for, resolved as a run would (unknown ones refused), retired ones shown. */
async function named(models: readonly string[], deps: ModelsDeps): Promise<ModelListing> {
  const r = await resolveModels(models, { api: deps.api, profiles: deps.profiles, cache: deps.cache, now: deps.now, allowRetired: true });
  for (const w of r.warnings) deps.output.err(`warning: ${w}`);
  const source = r.models.some((m) => m.source === 'models-api') ? 'models-api' : 'profiles';
  return { source, models: r.models.map((m) => entry(m, deps.profiles)) };
}

function entry(m: ResolvedModel, profiles: readonly Profile[]): ModelEntry {
  const p = findProfile(profiles, m.id) ?? findProfile(profiles, m.requested);
  return { ...m, prices: p?.prices ?? null, mid_conversation_system: p?.mid_conversation_system ?? null, unverified: [...(p?.unverified ?? [])] };
}

/**
 * Five columns that fit in 100 at their natural width (models.test.ts checks): long facts go on
 * further lines of their cell. Given a terminal's width, boxTable wraps them to fit; at 80 every
 * model id stays whole (test/cli/table-width.test.ts).
 */
export function modelsTable(models: readonly ModelEntry[], width?: number): string {
  const rows = models.map((m) => {
    const q = (field: string) => (m.unverified.some((u) => u === field || field.startsWith(`${u}.`) || u.startsWith(`${field}.`)) ? ' ?' : '');
    return [
      [m.id, lifecycleLine(m)].join('\n'),
      [tokens(m.max_input_tokens, 'in'), tokens(m.max_tokens, 'out')].join('\n'),
      m.efforts.length === 0
        ? 'none'
        : [`${effortRange(m.efforts)}${q('efforts')}`, m.default_effort ? `default ${m.default_effort}${q('default_effort')}` : 'default ?'].join('\n'),
      [...wrap(m.thinking_types.length > 0 ? m.thinking_types : ['?'], 18), `display ${m.display_default ?? '?'}${q('thinking.display_default')}`].join('\n'),
      priceLines(m.prices, q).join('\n'),
    ];
  });
  return boxTable(['model', 'context', 'effort', 'thinking', '$ / M tokens'], rows, { width });
}

function lifecycleLine(m: ResolvedModel): string {
  const day = m.retires_at?.slice(0, 10);
  if (m.lifecycle === 'retired') return `retired${day ? ` ${day}` : ''}`;
  if (m.lifecycle === 'deprecated') return `deprecated${day ? ` → ${day}` : ''}`;
  return m.lifecycle;
}

function tokens(n: number | null, what: string): string {
  if (n === null) return `? ${what}`;
  const short = n >= 1_000_000 && n % 100_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}K` : String(n);
  return `${short} ${what}`;
}

/** low–max for a run of levels; a gap is shown (low–high, max on Opus 4.6). */
function effortRange(efforts: readonly string[]): string {
  const idx = EFFORT_LEVELS.filter((e) => efforts.includes(e)).map((e) => EFFORT_LEVELS.indexOf(e));
  const runs: string[] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j]! + 1) j++;
    runs.push(j > i ? `${EFFORT_LEVELS[idx[i]!]}–${EFFORT_LEVELS[idx[j]!]}` : EFFORT_LEVELS[idx[i]!]!);
    i = j + 1;
  }
  return runs.join(', ');
}

function wrap(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  for (const w of words) {
    const last = lines.at(-1);
    if (last !== undefined && `${last}, ${w}`.length <= width) lines[lines.length - 1] = `${last}, ${w}`;
    else {
      if (last !== undefined) lines[lines.length - 1] = `${last},`;
      lines.push(w);
    }
  }
  return lines;
}

/** input · output, then cache writes (5 minutes, 1 hour) and reads, then any prompt-length tier. */
function priceLines(p: Prices | null, q: (field: string) => string): string[] {
  if (!p) return ['no price'];
  const n = (x: number) => String(Number(x.toFixed(4)));
  const lines = [
    `${n(p.input)} in · ${n(p.output)} out${q('prices.input') || q('prices.output')}`,
    `${n(p.cache_write_5m)}/${n(p.cache_write_1h)}/${n(p.cache_read)}${q('prices.cache_write_5m') || q('prices.cache_write_1h') || q('prices.cache_read')}`,
  ];
  for (const t of p.tiers ?? []) lines.push(`>${tokens(t.above_prompt_tokens, '').trim()}: ${n(t.input)}/${n(t.output)}${q('prices.tiers')}`);
  return lines;
}

function legend(models: readonly ModelEntry[]): string[] {
  const discounts = [...new Set(models.flatMap((m) => (m.prices ? [m.prices.batch_discount] : [])))];
  const batch = discounts.length === 1 ? `Batch API: ${Math.round(discounts[0]! * 100)}% off` : 'Batch API: see --format json';
  return [
    `$ per million tokens: input · output; cache write 5 min / 1 hour / read; ${batch}.`,
    '>100K: input/output for prompts over 100,000 tokens. ?: inferred, not documented.',
    '--format json has every field; engine/data/model-profiles.json has the sources.',
  ];
}

/**
 * `driftbench models` as the CLI calls it: the endpoint's Models API when there is a key (or a
 * --base-url), the profiles otherwise.
 */
export async function modelsAction(
  o: { format: 'table' | 'json'; models?: string[]; provider?: string; baseUrl?: string },
  deps: { output: Output; cwd: string; env: NodeJS.ProcessEnv; now: () => number },
): Promise<ModelListing> {
  const name = o.provider ?? (o.baseUrl !== undefined || providerKey('anthropic', deps.env).key !== undefined ? 'anthropic' : 'rehearsal');
  const provider = makeProvider(name, { baseUrl: o.baseUrl, maxRetries: 2 }, deps);
  return modelsCommand(
    { format: o.format, models: o.models },
    {
      output: deps.output,
      api: provider.models,
      profiles: loadProfiles(),
      cache: fileCapabilityCache(capabilityCacheDir(deps.cwd, provider.baseUrl ?? undefined, deps.env)),
      now: deps.now,
    },
  );
}
