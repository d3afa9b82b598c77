import { createHash } from 'node:crypto';
import type Anthropic from '@anthropic-ai/sdk';
import { TurnFailed, type ProviderFactory } from './types.js';

/** Rough token count for rehearsal usage: about four characters a token. */
const tokens = (s: string) => Math.ceil(s.length / 4);

/**
 * The offline rehearsal: no network, no cost. It answers each step with the scenario's own
 * fixture reply, `rehearsal:pass` with the pass variant and `rehearsal:fail` with the fail
 * variant, through the same replay engine, so a scenario and the whole pipeline can be checked
 * before any money is spent.
 */
export const rehearsalProvider: ProviderFactory = (o) => {
  const now = o.now ?? Date.now;
  return {
    name: 'rehearsal',
    baseUrl: null,
    async send(params, ctx) {
      const start = now();
      const at = new Date(start).toISOString();
      const variant = params.model === 'rehearsal:pass' ? 'pass' : params.model === 'rehearsal:fail' ? 'fail' : undefined;
      if (variant === undefined) {
        throw new TurnFailed(
          `the rehearsal provider plays rehearsal:pass and rehearsal:fail, not ${params.model}`,
          [{ at, outcome: 'http-error', status: 404 }],
          404,
          'not_found_error',
        );
      }
      const text = ctx.scenario.fixtures?.[variant][String(ctx.step)];
      if (text === undefined) {
        throw new TurnFailed(
          `scenario ${ctx.scenario.id} has no ${variant} fixture for step ${ctx.step}`,
          [{ at, outcome: 'http-error', status: 400 }],
          400,
          'invalid_request_error',
        );
      }
      const content: Anthropic.ContentBlock[] = [];
      if (params.thinking !== undefined) {
        const thinking = `Rehearsal: replaying the ${variant} fixture for step ${ctx.step} of ${ctx.scenario.id}.`;
        content.push({ type: 'thinking', thinking, signature: `rehearsal_${createHash('sha256').update(thinking).digest('base64url')}` });
      }
      content.push({ type: 'text', text, citations: null });
      const input = JSON.stringify(params.messages).length + JSON.stringify(params.system ?? '').length;
      const output = content.reduce((n, b) => n + tokens(b.type === 'text' ? b.text : b.type === 'thinking' ? b.thinking : ''), 0);
      const message: Anthropic.Message = {
        id: `msg_rehearsal_${createHash('sha256').update(`${ctx.scenario.id}:${ctx.step}:${variant}`).digest('hex').slice(0, 16)}`,
        type: 'message',
        role: 'assistant',
        model: params.model,
        content,
        stop_reason: 'end_turn',
        stop_sequence: null,
        stop_details: null,
        container: null,
        diagnostics: null,
        usage: {
          input_tokens: Math.ceil(input / 4),
          output_tokens: output,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          cache_creation: null,
          inference_geo: null,
          output_tokens_details: null,
          server_tool_use: null,
          service_tier: null,
          speed: null,
        },
      };
      return { message, requestId: null, ttftMs: 0, latencyMs: now() - start, attempts: [{ at, outcome: 'ok', status: 200, request_id: null }], providerCostUsd: null };
    },
  };
};
