import { signThinking } from './sse.js';

/**
 * Opus 4.7 rejects sampling parameters with a 400, so a client must leave them out for it.
 * Rules 'off' only: under 'today' the model table and the API version decide (model-rules.ts).
 */
export const DEFAULT_REJECT_PARAMS: Record<string, string[]> = {
  'claude-opus-4-7': ['temperature', 'top_p', 'top_k'],
  'claude-opus-4-8': ['temperature', 'top_p', 'top_k'],
};

/** The API refuses more breakpoints than this in one request. */
const MAX_CACHE_BREAKPOINTS = 4;

export interface ValidateOptions {
  countTokens: boolean;
  rejectParams: Record<string, string[]>;
  /** 'today' lets `role: 'system'` messages through (model-rules.ts decides) and leaves signatures to thinking-binding.ts. */
  rules: 'today' | 'off';
}

/** The real API's 400s that a client bug can trigger; undefined when the body is acceptable. */
export function validate(body: Record<string, unknown>, opts: ValidateOptions): string | undefined {
  if (typeof body['model'] !== 'string' || body['model'] === '') return 'model: Field required';
  if (!opts.countTokens && !Number.isInteger(body['max_tokens'])) return 'max_tokens: Field required';
  const messages = body['messages'];
  if (!Array.isArray(messages)) return 'messages: Field required';
  if (messages.length === 0) return 'messages: at least one message is required';
  const today = opts.rules === 'today';
  // User and assistant turns alternate; a mid-conversation system message sits between them.
  let previous: unknown;
  for (const [i, m] of messages.entries()) {
    const role = (m as { role?: unknown } | null)?.role;
    if (today ? role !== 'user' && role !== 'assistant' && role !== 'system' : role !== 'user' && role !== 'assistant') {
      return `messages.${i}.role: Input should be ${today ? "'user', 'assistant' or 'system'" : "'user' or 'assistant'"}`;
    }
    if (i === 0 && role !== 'user') return 'messages: first message must use the "user" role';
    if (role === 'system') continue;
    if (previous === role) return `messages: roles must alternate between "user" and "assistant", but found multiple "${role}" roles in a row`;
    previous = role;
    const problem = role === 'assistant' && !today ? checkSignatures((m as { content?: unknown }).content, i) : undefined;
    if (problem) return problem;
  }
  const cacheProblem = checkCacheControl(body);
  if (cacheProblem) return cacheProblem;
  const model = body['model'];
  for (const [prefix, params] of Object.entries(opts.rejectParams)) {
    if (!model.startsWith(prefix)) continue;
    const sent = params.find((p) => p in body);
    if (sent) return `${sent} is not supported for this model`;
  }
  return undefined;
}

/** Thinking blocks must come back exactly as they were sent: same text, same signature. */
function checkSignatures(content: unknown, messageIndex: number): string | undefined {
  if (!Array.isArray(content)) return undefined;
  for (const [j, block] of content.entries()) {
    const b = block as { type?: unknown; thinking?: unknown; signature?: unknown } | null;
    if (b?.type !== 'thinking') continue;
    if (typeof b.thinking !== 'string' || b.signature !== signThinking(b.thinking)) {
      return `messages.${messageIndex}.content.${j}: Invalid signature in thinking block`;
    }
  }
  return undefined;
}

/** cache_control must name an ephemeral cache with a known ttl, on at most four blocks. */
function checkCacheControl(body: Record<string, unknown>): string | undefined {
  const places: Array<[string, unknown]> = [];
  const collect = (path: string, list: unknown) => {
    if (!Array.isArray(list)) return;
    list.forEach((item, i) => {
      places.push([`${path}.${i}`, item]);
    });
  };
  collect('tools', body['tools']);
  collect('system', body['system']);
  (body['messages'] as unknown[]).forEach((m, i) => {
    collect(`messages.${i}.content`, (m as { content?: unknown }).content);
  });

  let found = 0;
  for (const [path, item] of places) {
    const control = (item as { cache_control?: unknown } | null)?.cache_control;
    if (control === undefined || control === null) continue;
    const { type, ttl } = control as { type?: unknown; ttl?: unknown };
    if (type !== 'ephemeral') return `${path}.cache_control.type: Input should be 'ephemeral'`;
    if (ttl !== undefined && ttl !== '5m' && ttl !== '1h') return `${path}.cache_control.ttl: Input should be '5m' or '1h'`;
    found++;
  }
  if (found > MAX_CACHE_BREAKPOINTS) return `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${found}.`;
  return undefined;
}
