import { createHash } from 'node:crypto';
import { promptUnits, tokensFor, type CacheTtl } from './tokens.js';

/** The input side of a reply's usage, split the way the API bills it. */
export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

const TTL_MS: Record<CacheTtl, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };

/**
 * Emulates prompt caching (https://platform.claude.com/docs/en/build-with-claude/prompt-caching):
 * a request reads the longest prefix of its prompt that an earlier request wrote, writes the
 * prefix of each of its own cache_control breakpoints, and pays full price only after the last
 * one. Entries are keyed by a hash chained over the prompt's blocks, so equal content hits
 * whatever objects carried it.
 */
export class PromptCache {
  readonly #entries = new Map<string, { expiresAt: number; ttl: CacheTtl }>();

  constructor(
    private readonly minTokens: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Splits the request's input tokens into read / written / uncached, and records its writes. */
  account(body: Record<string, unknown>): CacheUsage {
    const now = this.now();
    const prefixes = this.#prefixes(body);
    const total = prefixes.at(-1)?.tokens ?? 0;

    // Any block boundary may hit: the API looks back from each breakpoint for earlier writes.
    let read = 0;
    for (const prefix of prefixes) {
      const entry = this.#entries.get(prefix.hash);
      if (entry === undefined) continue;
      if (entry.expiresAt <= now) {
        this.#entries.delete(prefix.hash);
        continue;
      }
      read = prefix.tokens;
      // A read refreshes the entry for its full lifetime, at no cost.
      entry.expiresAt = now + TTL_MS[entry.ttl];
    }

    // Too short a prefix is not cached at all, as the API does for short prompts.
    const breakpoints = prefixes.filter((p) => p.breakpoint !== undefined && p.tokens >= this.minTokens);
    const written = { '5m': 0, '1h': 0 };
    let covered = read;
    for (const bp of breakpoints) {
      const ttl = bp.breakpoint ?? '5m';
      if (bp.tokens > covered) {
        written[ttl] += bp.tokens - covered;
        covered = bp.tokens;
      }
      const entry = this.#entries.get(bp.hash);
      if (entry === undefined || entry.expiresAt < now + TTL_MS[ttl]) this.#entries.set(bp.hash, { expiresAt: now + TTL_MS[ttl], ttl });
    }
    return {
      input_tokens: total - covered,
      cache_creation_input_tokens: written['5m'] + written['1h'],
      cache_read_input_tokens: read,
      cache_creation: { ephemeral_5m_input_tokens: written['5m'], ephemeral_1h_input_tokens: written['1h'] },
    };
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Every prefix ending at a block boundary: its chained hash and its token count. */
  #prefixes(body: Record<string, unknown>): Array<{ hash: string; tokens: number; breakpoint?: CacheTtl }> {
    let hash = '';
    let chars = 0;
    return promptUnits(body).map((unit) => {
      hash = createHash('sha256').update(hash).update(unit.key).digest('hex');
      chars += unit.chars;
      return unit.breakpoint === undefined ? { hash, tokens: tokensFor(chars) } : { hash, tokens: tokensFor(chars), breakpoint: unit.breakpoint };
    });
  }
}
