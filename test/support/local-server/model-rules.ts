import type { ErrorType } from './http.js';
import { EFFORTS, findModel, type Effort, type ModelRecord, type ThinkingType } from './models.js';
import { checkThinkingBlocks, type PrefixCheck } from './thinking-binding.js';

/**
 * Rules 'today': what the API refuses for each model line, checked once the body is well
 * formed (validate.ts). Each refusal carries the doc page it comes from; where the docs give
 * no wording, the message is this server's and says what is wrong.
 */

/**
 * The API version SDK 1.x sends (node_modules/@anthropic-ai/sdk/client.js). It removed
 * temperature, top_p and top_k: sending one is a 400 on every model, even at its default
 * value (https://platform.claude.com/docs/en/api/versioning). A request without the header is
 * read as this version.
 */
export const CURRENT_API_VERSION = '2026-10-21';
const SAMPLING = ['temperature', 'top_p', 'top_k'] as const;
const THINKING_TYPES: readonly ThinkingType[] = ['adaptive', 'enabled', 'disabled', 'between_tools'];
const DEPRECATIONS_PAGE = 'https://platform.claude.com/docs/en/about-claude/model-deprecations';

export type RuleVerdict = { ok: true; model: ModelRecord; dropped: string[] } | { ok: false; status: 400 | 404; type: ErrorType; message: string };

export interface RuleContext {
  /** The request's anthropic-version header. */
  apiVersion: string | undefined;
  /** count_tokens is checked for its model and its messages only: it generates nothing. */
  countTokens: boolean;
  /** Default 'enforced'. OpenRouter does not enforce prefix checks (openrouter.ts). */
  prefixCheck?: PrefixCheck;
}

export function checkModelRules(body: Record<string, unknown>, ctx: RuleContext): RuleVerdict {
  const version = ctx.apiVersion ?? CURRENT_API_VERSION;
  if (version >= CURRENT_API_VERSION) {
    const sent = SAMPLING.find((p) => p in body);
    // The wording is a third party's record of the 400: https://github.com/ttlequals0/MinusPod/releases/tag/v2.101.10
    if (sent) return invalid(`${sent}: Extra inputs are not permitted`);
  }
  const id = String(body['model']);
  const model = findModel(id);
  // 404 not_found_error; "model: <id>" is the API's older wording (https://github.com/anthropics/claude-code/issues/5349).
  if (model === undefined) return { ok: false, status: 404, type: 'not_found_error', message: `model: ${id}` };
  if (model.lifecycle === 'retired') {
    // The research found no wording for a retired model; the Models API says only that such
    // requests fail (node_modules/@anthropic-ai/sdk/resources/models.d.ts, lifecycle).
    return { ok: false, status: 404, type: 'not_found_error', message: `model: ${id} was retired on ${model.retiresOn}; see ${DEPRECATIONS_PAGE}` };
  }
  const problem =
    (version < CURRENT_API_VERSION ? legacySamplingProblem(body, model) : undefined) ??
    (ctx.countTokens ? undefined : (maxTokensProblem(body, model) ?? thinkingProblem(body, model) ?? effortProblem(body, model))) ??
    systemMessageProblem(body, model);
  if (problem !== undefined) return invalid(problem);
  const blocks = checkThinkingBlocks(body, model, ctx.prefixCheck);
  if (!blocks.ok) return invalid(blocks.message);
  return { ok: true, model, dropped: blocks.dropped };
}

function invalid(message: string): RuleVerdict {
  return { ok: false, status: 400, type: 'invalid_request_error', message };
}

/**
 * Under 2023-06-01, the models in models.ts marked non-default-rejected refuse any value but
 * the default (1 for temperature and top_p; top_k has none). The wording is a third party's
 * record for Opus 4.7: https://github.com/sipeed/picoclaw/issues/2939. The 4.5 family refuses
 * temperature and top_p together (https://platform.claude.com/docs/en/models/haiku-4-5/migration-guide;
 * the wording is this server's).
 */
function legacySamplingProblem(body: Record<string, unknown>, model: ModelRecord): string | undefined {
  if (model.legacySampling === 'temperature-or-top-p' && 'temperature' in body && 'top_p' in body) {
    return '`temperature` and `top_p` cannot both be specified for this model. Please use only one.';
  }
  if (model.legacySampling !== 'non-default-rejected') return undefined;
  const sent = SAMPLING.find((p) => p in body && !(p !== 'top_k' && body[p] === 1));
  return sent && `\`${sent}\` is deprecated for this model.`;
}

/** The model's max output (its page), in the API's familiar wording. */
function maxTokensProblem(body: Record<string, unknown>, model: ModelRecord): string | undefined {
  const maxTokens = body['max_tokens'] as number;
  if (model.maxTokens === null || maxTokens <= model.maxTokens) return undefined;
  return `max_tokens: ${maxTokens} > ${model.maxTokens}, which is the maximum allowed number of output tokens for ${model.id}`;
}

/**
 * A thinking type the model does not take is a 400. The wording is Opus 5.5's, which its page
 * quotes for both disabled and enabled (https://platform.claude.com/docs/en/models/opus-5-5/whats-new-opus-5-5).
 * Sonnet 5.5's 400 for disabled "points to between_tools" (https://platform.claude.com/docs/en/models/sonnet-5-5/whats-new-sonnet-5-5);
 * its exact words were not found, so the hint is added to the same sentence.
 */
function thinkingProblem(body: Record<string, unknown>, model: ModelRecord): string | undefined {
  const thinking = body['thinking'] as { type?: unknown; display?: unknown; budget_tokens?: unknown } | null | undefined;
  if (thinking === undefined || thinking === null) return undefined;
  const type = thinking.type as ThinkingType;
  if (!THINKING_TYPES.includes(type)) return "thinking.type: Input should be 'adaptive', 'enabled', 'disabled' or 'between_tools'";
  if (!model.thinkingTypes.includes(type)) {
    const use = model.thinkingTypes.includes('adaptive')
      ? 'Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.'
      : 'Use "thinking.type.enabled" with "budget_tokens".';
    const off = type === 'disabled' && model.thinkingTypes.includes('between_tools') ? ' To turn thinking off, use "thinking.type.between_tools".' : '';
    return `"thinking.type.${type}" is not supported for this model. ${use}${off}`;
  }
  if (thinking.display !== undefined && thinking.display !== null && thinking.display !== 'summarized' && thinking.display !== 'omitted') {
    return "thinking.display: Input should be 'summarized' or 'omitted'";
  }
  if (type !== 'enabled') return undefined;
  // ThinkingConfigEnabled: "Must be ≥1024 and less than max_tokens" (node_modules/@anthropic-ai/sdk/resources/messages/messages.d.ts).
  const budget = thinking.budget_tokens;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1024) return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
  if (budget >= (body['max_tokens'] as number)) return '`max_tokens` must be greater than `thinking.budget_tokens`';
  return undefined;
}

/**
 * An effort the model does not list is a 400 (https://platform.claude.com/docs/zh-CN/build-with-claude/effort.md
 * for which models take effort at all; https://platform.claude.com/docs/en/build-with-claude/effort?wt.mc_id=MVP_407589
 * for xhigh and max). With thinking off, Haiku 5.5, Opus 5 and Sonnet 5.5 cap effort at high
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-anthropic-claude-haiku-5-5.md,
 * https://platform.claude.com/docs/en/models/opus-5/overview, the Sonnet 5.5 what's-new page);
 * the model's default effort counts when none is sent. The wording is this server's.
 */
function effortProblem(body: Record<string, unknown>, model: ModelRecord): string | undefined {
  const sent = (body['output_config'] as { effort?: unknown } | null | undefined)?.effort;
  if (sent !== undefined && sent !== null) {
    if (!EFFORTS.includes(sent as Effort)) return "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'";
    if (model.efforts.length === 0) return 'output_config.effort: effort is not supported for this model';
    if (!model.efforts.includes(sent as Effort)) return `output_config.effort: "${String(sent)}" is not supported for this model. Supported levels: ${model.efforts.join(', ')}`;
  }
  const type = (body['thinking'] as { type?: unknown } | null | undefined)?.type;
  const effort = (sent as Effort | null | undefined) ?? model.defaultEffort;
  const cap = model.thinkingOffMaxEffort;
  if ((type === 'disabled' || type === 'between_tools') && cap !== undefined && effort !== null && EFFORTS.indexOf(effort) > EFFORTS.indexOf(cap)) {
    return `output_config.effort: "${effort}" is not supported with "thinking.type.${type}" for this model; use "${cap}" or lower.`;
  }
  return undefined;
}

/**
 * `role: 'system'` inside messages: only on the models that take it (models.ts), and only
 * right after a user turn, the one placement rule the docs state (whats-new-claude-4-8, quoted
 * in https://github.com/simonw/llm-anthropic/issues/73). The refusal's wording is a third
 * party's: https://docs.rs/gproxy-transform/2.6.1/src/gproxy_transform/transform/common/claude_mid_conv_system.rs.html
 */
function systemMessageProblem(body: Record<string, unknown>, model: ModelRecord): string | undefined {
  const messages = body['messages'] as Array<{ role?: unknown } | null>;
  for (const [i, message] of messages.entries()) {
    if (message?.role !== 'system') continue;
    if (!model.midConversationSystem) return `messages.${i}.role: role 'system' is not supported on this model`;
    if (messages[i - 1]?.role !== 'user') return `messages.${i}: a system message must come right after a user message`;
  }
  return undefined;
}
