import type { Profile } from '../models/profiles.js';
import type { MessageParams } from '../providers/types.js';

/**
 * A hard budget in USD (--max-cost). Before a turn is sent, its worst-case cost is reserved;
 * a turn whose reservation does not fit is not started. Reservations are settled with the real
 * cost when the turn returns. An attempt that failed after its stream began may have been
 * billed for what it generated, and nobody can say how much, so its whole reservation is kept
 * as spent. The sum of what was spent and what is reserved never exceeds the limit, so the run
 * never goes over, with any concurrency and under any faults.
 */
export class Budget {
  private reservedUsd = 0;

  constructor(
    readonly limitUsd: number | null,
    private spent: number,
  ) {}

  get spentUsd(): number {
    return this.spent;
  }

  get reserved(): number {
    return this.reservedUsd;
  }

  private readonly waiting: Array<() => void> = [];

  /** Reserves `usd` if it fits now; the check and the reservation are one synchronous step. */
  reserve(usd: number): boolean {
    if (this.limitUsd !== null && this.spent + this.reservedUsd + usd > this.limitUsd + 1e-12) return false;
    this.reservedUsd += usd;
    return true;
  }

  /**
   * Reserves `usd`, waiting while turns in flight hold the room it needs. False when it could
   * not fit even with nothing in flight: the budget is spent, and the turn must not start.
   */
  async acquire(usd: number): Promise<boolean> {
    for (;;) {
      if (this.limitUsd !== null && this.spent + usd > this.limitUsd + 1e-12) return false;
      if (this.reserve(usd)) return true;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Releases reservations and records what was actually spent. */
  settle(reservedUsd: number, spentUsd: number): void {
    this.reservedUsd = Math.max(0, this.reservedUsd - reservedUsd);
    this.spent += spentUsd;
    for (const wake of this.waiting.splice(0)) wake();
  }

  describe(): string {
    return `spent $${this.spent.toFixed(4)} of $${this.limitUsd?.toFixed(4) ?? 'unlimited'}`;
  }
}

/**
 * The most a turn can cost: every input token billed at the dearer of the input and cache-write
 * prices (at most half a token per character, which no tokenizer exceeds for text), plus
 * max_tokens of output. Null when the model has no price.
 */
export function worstCaseTurnCost(params: MessageParams, prices: Profile['prices'] | undefined): number | null {
  if (!prices) return null;
  const chars = JSON.stringify(params.messages).length + JSON.stringify(params.system ?? '').length;
  const inputTokens = Math.ceil(chars / 2);
  const inputPrice = Math.max(prices.input, prices.cache_write_5m, prices.cache_write_1h);
  return (inputTokens * inputPrice + params.max_tokens * prices.output) / 1_000_000;
}
