import { common } from './anthropic.js';
import { createSdkProvider } from './sdk-provider.js';
import type { ProviderFactory } from './types.js';

/**
 * OpenRouter's Anthropic-compatible Messages endpoint, through the same SDK. OpenRouter has
 * been seen to drop `output_config` and `thinking` silently, so transcripts record what was
 * requested and reports check whether effort had any effect.
 * https://openrouter.ai/docs/guides/evaluate-and-optimize/model-migrations/claude-4-7
 */
export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api';

export const openrouterProvider: ProviderFactory = (o) => ({
  ...createSdkProvider({ name: 'openrouter', baseUrl: o.baseUrl ?? OPENROUTER_BASE_URL, ...common(o, 'openrouter') }),
  // No count_tokens endpoint is documented for OpenRouter: --dry-run estimates instead.
  countTokens: undefined,
  // Nor a Message Batches endpoint: --batch needs the Anthropic API.
  batches: undefined,
  // Nor Anthropic's Models API: capabilities come from the profiles.
  models: undefined,
  // OpenRouter names Claude models anthropic/claude-opus-4.7; profiles list that as an alias.
  apiModel: (model, aliases) => aliases.find((a) => a.startsWith('anthropic/')) ?? model,
});
