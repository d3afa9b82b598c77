/**
 * The server's token estimate, ceil(chars / 4) over the text of the system prompt and the
 * messages, and the same text cut into prompt units (one per system or content block) so the
 * prompt cache can count and hash any prefix of it consistently with the whole.
 */

export type CacheTtl = '5m' | '1h';

export interface PromptUnit {
  /** Identifies the block and its place (role, message index); cache_control left out, key order fixed. */
  key: string;
  /** Characters the estimator counts for this block. */
  chars: number;
  /** Set when the block carries a cache_control breakpoint. */
  breakpoint?: CacheTtl;
}

/** A rough count, ceil(chars / 4) over the system prompt and every message's text. */
export function estimateInputTokens(body: Record<string, unknown>): number {
  return tokensFor(promptUnits(body).reduce((n, u) => n + u.chars, 0));
}

export function tokensFor(chars: number): number {
  return Math.ceil(chars / 4);
}

/**
 * The request's prompt as cache units, in the order the API caches them. A first, empty unit
 * stands for the model and tools: a prefix cached for one model or tool set never serves another.
 * String content counts as one text block, as the API treats it.
 */
export function promptUnits(body: Record<string, unknown>): PromptUnit[] {
  const units: PromptUnit[] = [{ key: canonicalJson({ model: body['model'] ?? null, tools: body['tools'] ?? null }), chars: 0 }];
  for (const block of blocksOf(body['system'])) units.push(unitOf('system', -1, block));
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  messages.forEach((m, i) => {
    const message = m as { role?: unknown; content?: unknown } | null;
    for (const block of blocksOf(message?.content)) units.push(unitOf(String(message?.role), i, block));
  });
  return units;
}

function blocksOf(content: unknown): unknown[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content : [];
}

function unitOf(role: string, messageIndex: number, block: unknown): PromptUnit {
  const unit: PromptUnit = { key: canonicalJson({ role, messageIndex, block: withoutCacheControl(block) }), chars: textOf([block]).length };
  const ttl = breakpointOf(block);
  if (ttl !== undefined) unit.breakpoint = ttl;
  return unit;
}

function breakpointOf(block: unknown): CacheTtl | undefined {
  const control = (block as { cache_control?: { type?: unknown; ttl?: unknown } | null } | null)?.cache_control;
  if (control?.type !== 'ephemeral') return undefined;
  return control.ttl === '1h' ? '1h' : '5m';
}

/** Moving a breakpoint must not change the hash of the blocks it used to mark. */
function withoutCacheControl(block: unknown): unknown {
  if (block === null || typeof block !== 'object' || Array.isArray(block)) return block;
  const { cache_control: _ignored, ...rest } = block as Record<string, unknown>;
  return rest;
}

/** JSON with object keys sorted, so a client that rebuilds a block in another key order still hits. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block) => {
      const b = block as { text?: unknown; thinking?: unknown; content?: unknown } | null;
      if (typeof b?.text === 'string') return b.text;
      if (typeof b?.thinking === 'string') return b.thinking;
      return textOf(b?.content); // tool_result blocks nest their content
    })
    .join('');
}
