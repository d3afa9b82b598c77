import { createSdkProvider, requireKey } from './sdk-provider.js';
import type { ProviderFactory } from './types.js';

/** Anthropic's API (or any Anthropic-compatible endpoint with --base-url), key from ANTHROPIC_API_KEY. */
export const anthropicProvider: ProviderFactory = (o) =>
  createSdkProvider({
    name: 'anthropic',
    apiKey: requireKey(o.env, 'ANTHROPIC_API_KEY', 'anthropic'),
    baseUrl: o.baseUrl,
    maxRetries: o.maxRetries,
    retryBaseMs: o.retryBaseMs ?? 500,
    now: o.now ?? Date.now,
    sleep: o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
  });
