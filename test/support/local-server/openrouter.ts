import type { ErrorType } from './http.js';
import { findModel } from './models.js';

/**
 * What the server does to a Messages request before its model answers: in openrouter mode, what
 * OpenRouter's Anthropic-compatible endpoint (POST /api/v1/messages) does to it before a provider
 * sees it, as OpenRouter's docs describe it (read 2026-11-29); in either mode, the parameters a
 * test tells the server to drop silently (`dropParams`).
 *
 * Under rules 'today', openrouter mode plays OpenRouter in front of today's Claude API: the
 * request is rewritten here, then the model's rules (model-rules.ts) apply to what is forwarded,
 * except the prefix check of preserved thinking, which OpenRouter does not enforce. The reply
 * names the model by OpenRouter's id, and carries `usage.cost` when the script gives one.
 * Sampling parameters are forwarded as sent, so today's rules refuse them: OpenRouter's guides
 * call them "silently ignored" (Claude 4.7, Sonnet 5) or "not supported" (Claude 5.5), and the
 * stricter reading makes a test fail when the engine sends one.
 *
 * Sources:
 * - CLAUDE_5_5: https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/claude-5-5
 *   (ids of the three 5.5 models; "How this surfaces through OpenRouter" for each; "Preserved
 *   Thinking": "Requests through OpenRouter are not subject to this enforcement").
 * - OPUS_5_5: https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/opus-5-5
 *   (thinking.display and the other Messages-only controls pass through /api/v1/messages).
 * - Effort: "Messages API output_config.effort [becomes] Anthropic's output_config.effort" (both
 *   pages above). Before 2026-06-22 OpenRouter ignored it on Claude (the note at the top of
 *   https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/claude-4-7): the
 *   original benchmark's mistake, which `dropParams` replays.
 * - Which model answered: "Requests are priced using the model that was ultimately used, which
 *   will be returned in the model attribute of the response body" (https://openrouter.ai/docs/guides/routing).
 */

const CLAUDE_5_5 = 'https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/claude-5-5';

/** A request parameter an endpoint can ignore without saying so. */
export type DroppableParam = 'effort' | 'thinking';

interface OpenRouterModel {
  /** The Claude API id of the model behind OpenRouter's id. */
  id: string;
  /** OpenRouter refuses to turn thinking off before routing ("registered as mandatory-reasoning"). */
  reasoningMandatory: boolean;
  /** What OpenRouter forwards when the request sets no thinking: adaptive, summarized; or nothing (the model's default). */
  unsetThinking: 'adaptive-summarized' | 'none';
  source: string;
}

/**
 * OpenRouter's ids for the models the docs name. An id missing here (Fable 5.2, the Mythos
 * models: no OpenRouter page names them) is refused, as an unknown model.
 */
export const OPENROUTER_MODELS: Readonly<Record<string, OpenRouterModel>> = {
  // "OpenRouter sends display: 'summarized' unless you set otherwise"; disabling is refused.
  'anthropic/claude-opus-5.5': { id: 'claude-opus-5-5', reasoningMandatory: true, unsetThinking: 'adaptive-summarized', source: CLAUDE_5_5 },
  // "No reasoning setting means ... OpenRouter sends thinking: {type: 'adaptive', display: 'summarized'} with no effort".
  'anthropic/claude-sonnet-5.5': { id: 'claude-sonnet-5-5', reasoningMandatory: true, unsetThinking: 'adaptive-summarized', source: CLAUDE_5_5 },
  // "OpenRouter sends no thinking field, so Anthropic's default applies"; disabling works at high and below.
  'anthropic/claude-haiku-5.5': { id: 'claude-haiku-5-5', reasoningMandatory: false, unsetThinking: 'none', source: CLAUDE_5_5 },
  'anthropic/claude-fable-5.1': {
    id: 'claude-fable-5-1',
    reasoningMandatory: false,
    unsetThinking: 'none',
    source: 'https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/fable-5-1',
  },
  'anthropic/claude-fable-5': { id: 'claude-fable-5', reasoningMandatory: false, unsetThinking: 'none', source: 'https://openrouter.ai/anthropic/claude-fable-5/api' },
  'anthropic/claude-opus-5': {
    id: 'claude-opus-5',
    reasoningMandatory: false,
    unsetThinking: 'none',
    source: 'https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/opus-5',
  },
  'anthropic/claude-sonnet-5': {
    id: 'claude-sonnet-5',
    reasoningMandatory: false,
    unsetThinking: 'none',
    source: 'https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/sonnet-5',
  },
  // Linked from the Opus 5 guide above.
  'anthropic/claude-opus-4.8': { id: 'claude-opus-4-8', reasoningMandatory: false, unsetThinking: 'none', source: 'https://openrouter.ai/anthropic/claude-opus-4.8' },
  // The Claude 4.7 guide's examples spell it this way.
  'anthropic/claude-4.7-opus': {
    id: 'claude-opus-4-7',
    reasoningMandatory: false,
    unsetThinking: 'none',
    source: 'https://openrouter.ai/docs/cookbook/evaluate-and-optimize/model-migrations/claude-4-7',
  },
  'anthropic/claude-sonnet-4.5': {
    id: 'claude-sonnet-4-5-20250929',
    reasoningMandatory: false,
    unsetThinking: 'none',
    source: 'https://openrouter.ai/anthropic/claude-sonnet-4.5/api',
  },
};

export interface ForwardSettings {
  mode: 'anthropic' | 'openrouter';
  rules: 'today' | 'off';
  dropParams: readonly DroppableParam[];
}

/** What the model receives, or the endpoint's refusal. `answeredAs`: the model name the reply carries unless its script names another. */
export type Forwarded = { ok: true; body: Record<string, unknown>; answeredAs: string } | { ok: false; status: 400 | 404; type: ErrorType; message: string };

/** The request as the model behind the endpoint receives it; the body passed in is not changed. */
export function forward(body: Record<string, unknown>, s: ForwardSettings): Forwarded {
  const asked = String(body['model']);
  let out: Record<string, unknown> = body;
  if (s.mode === 'openrouter' && s.rules === 'today') {
    const rewritten = asOpenRouterForwards(body);
    if (!rewritten.ok) return rewritten;
    out = rewritten.body;
  }
  // Dropped last: an endpoint that ignores a parameter forwards none of it, its own defaults included.
  if (s.dropParams.includes('thinking') && 'thinking' in out) {
    const { thinking: _, ...rest } = out;
    out = rest;
  }
  const config = out['output_config'] as Record<string, unknown> | null | undefined;
  if (s.dropParams.includes('effort') && config !== null && typeof config === 'object' && 'effort' in config) {
    const { effort: _, ...keep } = config;
    const { output_config: __, ...rest } = out;
    out = Object.keys(keep).length === 0 ? rest : { ...rest, output_config: keep };
  }
  return { ok: true, body: out, answeredAs: asked };
}

function asOpenRouterForwards(body: Record<string, unknown>): Forwarded {
  const slug = String(body['model']);
  const entry = OPENROUTER_MODELS[slug];
  const model = entry && findModel(entry.id);
  // OpenRouter's typed error for an unknown model is not_found (404); the wording is this server's.
  // https://openrouter.ai/docs/api/reference/errors-and-debugging
  if (entry === undefined || model === undefined) return { ok: false, status: 404, type: 'not_found_error', message: `${slug} is not a valid model ID` };
  const sent = body['thinking'] as { type?: unknown; display?: unknown; budget_tokens?: unknown } | null | undefined;
  let thinking: Record<string, unknown> | undefined = sent ?? undefined;
  if (sent?.type === 'disabled' && entry.reasoningMandatory) {
    // Refused by OpenRouter before routing, in its words (CLAUDE_5_5).
    return { ok: false, status: 400, type: 'invalid_request_error', message: 'Reasoning is mandatory for this endpoint and cannot be disabled.' };
  }
  if (sent?.type === 'enabled' && !model.thinkingTypes.includes('enabled')) {
    // "Budgets are not forwarded": the request goes upstream as adaptive thinking with no budget.
    const { budget_tokens: _, ...rest } = sent;
    thinking = { ...rest, type: 'adaptive' };
  }
  if (thinking === undefined && entry.unsetThinking === 'adaptive-summarized') thinking = { type: 'adaptive' };
  // Summarized is OpenRouter's display default wherever it sends thinking ("summarized" (OpenRouter's
  // default), OPUS_5_5); a display the request sets passes through. The docs give it for the 5.5
  // models; this server applies it to every model it forwards adaptive thinking to.
  if (thinking?.['type'] === 'adaptive' && (thinking['display'] === undefined || thinking['display'] === null)) thinking = { ...thinking, display: 'summarized' };
  const { thinking: _, ...rest } = body;
  return { ok: true, body: { ...rest, model: entry.id, ...(thinking === undefined ? {} : { thinking }) }, answeredAs: slug };
}
