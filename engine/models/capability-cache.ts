import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import writeFileAtomic from 'write-file-atomic';

/** A Models API answer as cached: what GET /v1/models/{id} returned, and when. */
export interface CachedModel {
  fetched_at: string;
  model: Anthropic.Models.ModelInfo;
}

/** Where Models API answers are kept between runs; resolveModels decides what is fresh. */
export interface CapabilityCache {
  get(name: string): Promise<CachedModel | undefined>;
  put(name: string, entry: CachedModel): Promise<void>;
}

/**
 * The cache folder for an endpoint: `<root>/<host>/`, one per endpoint because two endpoints
 * may know different models. The root is DRIFTBENCH_MODELS_CACHE_DIR when set, else
 * `.driftbench-cache/models` under `cwd`. The port is part of the host (two local servers are
 * two endpoints), written with `_` so the name is valid everywhere.
 */
export function capabilityCacheDir(cwd: string, baseUrl: string | undefined, env: NodeJS.ProcessEnv = {}): string {
  const host = baseUrl ? new URL(baseUrl).host : 'api.anthropic.com';
  const root = env.DRIFTBENCH_MODELS_CACHE_DIR?.trim() || join(cwd, '.driftbench-cache', 'models');
  return join(root, host.replace(/[^A-Za-z0-9.-]/g, '_'));
}

/**
 * One JSON file per model name under `dir`. An entry that cannot be read or parsed is a miss: it
 * is fetched again and overwritten.
 *
 * Written with write-file-atomic directly (a temp file, then a rename), not through
 * engine/transcript/atomic-write.ts: that stage comes after this one, and a cache needs less.
 * The rename means a reader never sees half a file from a concurrent run; no fsync, because a
 * cache entry lost in a crash is only fetched again; and the short write that atomic-write.ts
 * guards against would leave truncated JSON, which reads as a miss.
 */
export function fileCapabilityCache(dir: string): CapabilityCache {
  const file = (name: string) => join(dir, `${encodeURIComponent(name)}.json`);
  return {
    async get(name) {
      try {
        const entry = JSON.parse(await readFile(file(name), 'utf8')) as Partial<CachedModel>;
        if (typeof entry.fetched_at !== 'string' || Number.isNaN(Date.parse(entry.fetched_at)) || typeof entry.model?.id !== 'string') return undefined;
        return entry as CachedModel;
      } catch {
        return undefined;
      }
    },
    async put(name, entry) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(file(name), `${JSON.stringify(entry, null, 2)}\n`, { fsync: false });
    },
  };
}
