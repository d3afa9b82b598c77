import { ProviderError } from '../errors.js';
import { DEFAULT_RETRY_POLICY } from './retry-policy.js';
import { createSdkProvider } from './sdk-provider.js';
import { DEFAULT_TIMEOUTS } from './timeouts.js';
import type { ProviderFactory, ProviderOptions } from './types.js';

/** Anthropic's API (or any Anthropic-compatible endpoint with --base-url), key from ANTHROPIC_API_KEY. */
export const anthropicProvider: ProviderFactory = (o) => createSdkProvider({ name: 'anthropic', baseUrl: o.baseUrl, ...common(o, 'anthropic') });

/** What every SDK-backed provider takes from the factory options. */
export function common(o: ProviderOptions, provider: string) {
  if (o.apiKey === undefined || o.apiKey.trim() === '') throw new ProviderError(`--provider ${provider} needs an API key`);
  return {
    apiKey: o.apiKey,
    policy: { ...DEFAULT_RETRY_POLICY, maxRetries: o.maxRetries, baseDelayMs: o.retryBaseMs ?? DEFAULT_RETRY_POLICY.baseDelayMs },
    proxy: o.proxy,
    timeouts: { ...DEFAULT_TIMEOUTS, ...definedOnly(o.timeouts) },
    now: o.now ?? Date.now,
    sleep: o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    secrets: o.secrets,
  };
}

/** The fields that are set: `{ idleMs: undefined }` keeps the default. */
function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
