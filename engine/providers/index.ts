import { anthropicProvider } from './anthropic.js';
import { openrouterProvider } from './openrouter.js';
import { rehearsalProvider } from './rehearsal.js';
import type { ProviderFactory } from './types.js';

export type { MessageParams, Provider, ProviderFactory, ProviderOptions, ProviderReply, SendContext } from './types.js';
export { TurnFailed } from './types.js';

/** The provider registry: adding a provider is one file and one line here. */
export const PROVIDERS: Record<string, ProviderFactory> = {
  anthropic: anthropicProvider,
  openrouter: openrouterProvider,
  rehearsal: rehearsalProvider,
};

/** Which key each provider reads, for the "no key: rehearsal" default and for redaction. */
export const PROVIDER_KEYS: Record<string, string | undefined> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openrouter: 'OPENROUTER_API_KEY',
  rehearsal: undefined,
};
