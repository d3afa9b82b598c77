import { anthropicProvider } from './anthropic.js';
import { OPENROUTER_BASE_URL, openrouterProvider } from './openrouter.js';
import { rehearsalProvider } from './rehearsal.js';
import type { ProviderFactory } from './types.js';

export type { BatchResultLine, MessageParams, Provider, ProviderFactory, ProviderOptions, ProviderReply, ProxySettings, SendContext } from './types.js';
export { TurnFailed } from './types.js';

export interface ProviderEntry {
  create: ProviderFactory;
  /** The environment variable that holds its API key; none for providers that send nothing. */
  keyEnv?: string;
  /** Where the provider sends requests when no --base-url is given: the one place a resume may send the key unasked. */
  defaultBaseUrl?: string;
}

/** The provider registry: adding a provider is one file and one line here. */
export const PROVIDERS: Record<string, ProviderEntry> = {
  // The SDK's own default baseURL (@anthropic-ai/sdk client.js, `baseURL || 'https://api.anthropic.com'`).
  anthropic: { create: anthropicProvider, keyEnv: 'ANTHROPIC_API_KEY', defaultBaseUrl: 'https://api.anthropic.com' },
  openrouter: { create: openrouterProvider, keyEnv: 'OPENROUTER_API_KEY', defaultBaseUrl: OPENROUTER_BASE_URL },
  rehearsal: { create: rehearsalProvider },
};
