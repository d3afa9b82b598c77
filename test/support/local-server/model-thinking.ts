import type { Effort, ModelRecord } from './models.js';
import { chunkText } from './sse.js';
import type { ScriptedBlock, ScriptedReply } from './types.js';

/**
 * Rules 'today': whether the model thinks for a request and how it shows its thinking, applied
 * to the scripted reply. The 5.x line thinks when a request says nothing about thinking (Opus
 * 5.5 and the Fables always; Sonnet 5.5, Haiku 5.5, Opus 5 and Sonnet 5 by default) and
 * returns it with display `omitted`: the block and its signature, its text empty
 * (https://platform.claude.com/docs/en/models/opus-5-5/whats-new-opus-5-5, and models.ts for each model).
 */

export interface ThinkingPlan {
  /** 'yes': a thinking block is added if the script has none; 'no': thinking is removed; 'as-scripted': between_tools. */
  thinks: 'yes' | 'no' | 'as-scripted';
  display: 'summarized' | 'omitted';
  /** The effort the model works at: the request's, else the model's default. */
  effort: Effort | null;
}

export function thinkingPlan(body: Record<string, unknown>, model: ModelRecord): ThinkingPlan {
  const thinking = body['thinking'] as { type?: unknown; display?: unknown } | null | undefined;
  const type = thinking?.type;
  const sentEffort = (body['output_config'] as { effort?: Effort | null } | null | undefined)?.effort;
  const effort = sentEffort ?? model.defaultEffort;
  const display = thinking?.display === 'summarized' || thinking?.display === 'omitted' ? thinking.display : model.displayDefault;
  if (type === undefined || type === null) return { thinks: model.thinking === 'off-by-default' ? 'no' : 'yes', display, effort };
  if (type === 'disabled') return { thinks: 'no', display, effort };
  // between_tools turns thinking off; the short updates between tool calls still come back as
  // thinking blocks (node_modules/@anthropic-ai/sdk/resources/models.d.ts, ThinkingTypes), so a
  // scripted one is kept.
  if (type === 'between_tools') return { thinks: 'as-scripted', display, effort };
  return { thinks: 'yes', display, effort };
}

export interface ShapedReply {
  reply: ScriptedReply;
  /** Thinking chunks the display left out: generated, and billed, all the same. */
  hiddenTokens: number;
  /** Every thinking chunk, shown or not. */
  thinkingTokens: number;
}

/** The scripted reply as this model, thinking (or not) as planned, would send it. */
export function shapeReply(reply: ScriptedReply, plan: ThinkingPlan): ShapedReply {
  const isThinking = (b: ScriptedBlock) => b.type === 'thinking' || b.type === 'redacted_thinking';
  let content = reply.content;
  if (plan.thinks === 'no') content = content.filter((b) => !isThinking(b));
  if (plan.thinks === 'yes' && !content.some(isThinking)) {
    // Names the effort the model used, so a test can see the default effort was applied.
    const text = plan.effort === null ? 'Thinking it over.' : `Thinking at ${plan.effort} effort.`;
    content = [{ type: 'thinking', thinking: text }, ...content];
  }
  let hiddenTokens = 0;
  let thinkingTokens = 0;
  content = content.map((b) => {
    if (b.type !== 'thinking') return b;
    const tokens = chunkText(b.thinking).length;
    thinkingTokens += tokens;
    if (plan.display === 'summarized') return b;
    hiddenTokens += tokens;
    return { ...b, thinking: '' };
  });
  return { reply: { ...reply, content }, hiddenTokens, thinkingTokens };
}

/**
 * The usage fields today's API adds that the server does not compute from tokens
 * (node_modules/@anthropic-ai/sdk/resources/messages/messages.d.ts, Usage). service_tier is
 * 'standard' (a batch overrides it); speed and inference_geo echo the request. The research
 * found no default for inference_geo: 'global' is this server's choice.
 */
export function todayUsageFields(body: Record<string, unknown>): { service_tier: 'standard'; inference_geo: string; speed: 'standard' | 'fast' } {
  const geo = body['inference_geo'];
  return { service_tier: 'standard', inference_geo: typeof geo === 'string' ? geo : 'global', speed: body['speed'] === 'fast' ? 'fast' : 'standard' };
}
