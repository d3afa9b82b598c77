import { common } from './anthropic.js';
import { createSdkProvider } from './sdk-provider.js';
import type { ProviderFactory } from './types.js';

/**
 * OpenRouter's Anthropic-compatible Messages endpoint, POST https://openrouter.ai/api/v1/messages
 * (https://openrouter.ai/docs/api/api-reference/anthropic-messages/create-a-message), through the
 * same SDK and the same request as the Anthropic API. What OpenRouter does with that request, as
 * its docs say (read 2026-11-29; CLAUDE_5_5 is
 * https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/claude-5-5):
 *
 * - `output_config.effort` becomes Anthropic's `output_config.effort` (CLAUDE_5_5). Until
 *   2026-06-22 OpenRouter ignored effort on Claude (the note atop
 *   https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/claude-4-7): the
 *   original benchmark's mistake. Transcripts record what was requested, and the report's effect
 *   check still warns when effort changes nothing, whoever drops it.
 * - `thinking: {type: "adaptive", display}` passes through; `thinking.display` is one of the
 *   Messages-only controls OpenRouter's /api/v1/messages forwards
 *   (https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/opus-5-5).
 *   Where a request sets no display, OpenRouter sends "summarized", not Anthropic's "omitted";
 *   driftbench always sets it, so the two endpoints get the same request. Thinking budgets are
 *   not forwarded, and turning thinking off on Opus and Sonnet 5.5 is OpenRouter's own 400;
 *   driftbench sends neither to those models (their profiles).
 * - Preserved thinking's prefix check is not enforced through OpenRouter, and it keeps replayed
 *   Sonnet and Haiku 5.5 blocks on a provider whose account can read them (CLAUDE_5_5).
 *   driftbench sends history back unchanged either way.
 * - The model that answered is the response's `model`, in OpenRouter's naming: "Requests are
 *   priced using the model that was ultimately used, which will be returned in the model
 *   attribute of the response body" (https://openrouter.ai/docs/guides/routing). It is recorded
 *   as the turn's response.model and priced by the profile it names. driftbench sends no
 *   `fallbacks`/`models`, so only OpenRouter's provider routing for the same model applies.
 * - Its charge: "OpenRouter automatically returns detailed usage information with every
 *   response", `usage.cost` among it, "in the last SSE message for streaming responses"
 *   (https://openrouter.ai/docs/cookbook/administration/usage-accounting). The page shows the
 *   Chat Completions shape only; on the Messages stream the last usage is message_delta's, which
 *   sdk-provider.ts reads into the turn's provider_cost_usd (null when absent).
 * - No extra header: the opt-in `X-OpenRouter-Metadata: enabled` adds `openrouter_metadata`
 *   (the provider chosen, fallback attempts) to message_stop, but its shape is experimental and
 *   may change without notice (https://openrouter.ai/docs/guides/features/router-metadata), and
 *   the answering model is already in the body.
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
  // OpenRouter names Claude models anthropic/claude-opus-5.5; profiles list that as an alias
  // (engine/data/model-profiles.json, each with the page that names it).
  apiModel: (model, aliases) => aliases.find((a) => a.startsWith('anthropic/')) ?? model,
});
