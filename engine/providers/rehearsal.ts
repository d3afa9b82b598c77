import { createHash } from 'node:crypto';
import { TurnFailed, type ProviderFactory } from './types.js';
import type { Block } from '../transcript/format.js';

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
        throw new TurnFailed(`the rehearsal provider plays rehearsal:pass and rehearsal:fail, not ${params.model}`, [{ at, outcome: 'http-error', status: 404 }], 404, 'not_found_error');
      }
      const text = ctx.scenario.fixtures?.[variant][String(ctx.step)];
      if (text === undefined) {
        throw new TurnFailed(`scenario ${ctx.scenario.id} has no ${variant} fixture for step ${ctx.step}`, [{ at, outcome: 'http-error', status: 400 }], 400, 'invalid_request_error');
      }
      const content: Block[] = [];
      if (params.thinking !== undefined) {
        const thinking = `Rehearsal: replaying the ${variant} fixture for step ${ctx.step} of ${ctx.scenario.id}.`;
        content.push({ type: 'thinking', thinking, signature: 'rehearsal_' + createHash('sha256').update(thinking).digest('base64url') });
      }
      content.push({ type: 'text', text });
      const input = JSON.stringify(params.messages).length + JSON.stringify(params.system ?? '').length;
      const output = content.reduce((n, b) => n + tokens(b.text ?? b.thinking ?? ''), 0);
      return {
        id: `msg_rehearsal_${createHash('sha256').update(`${ctx.scenario.id}:${ctx.step}:${variant}`).digest('hex').slice(0, 16)}`,
        model: params.model,
        requestId: null,
        content,
        stopReason: 'end_turn',
        stopDetails: null,
        usage: { input_tokens: Math.ceil(input / 4), output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, thinking_tokens: null },
        ttftMs: 0,
        latencyMs: now() - start,
        attempts: [{ at, outcome: 'ok', status: 200, request_id: null }],
        providerCostUsd: null,
      };
    },
  };
};
