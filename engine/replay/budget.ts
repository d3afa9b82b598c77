import type { Profile } from '../models/profiles.js';
import type { MessageParams } from '../providers/types.js';

/**
 * A hard budget in USD (--max-cost). Before a turn is sent, its worst-case cost is reserved;
 * a turn whose reservation does not fit is not started. The reservation is settled with the real
 * cost when the turn returns. An attempt that failed after its stream began may have been billed
 * for what it generated, and nobody can say how much, so its whole reservation is kept as spent.
 * What was spent plus what is reserved never exceeds the limit, so the run never goes over, with
 * any concurrency and under any faults.
 */
export class Budget {
  private reservedUsd = 0;
  private readonly waiting: Array<() => void> = [];

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

  /** Reserves `usd` if it fits now (the check and the reservation are one synchronous step); null if not. */
  reserve(usd: number): Reservation | null {
    if (this.limitUsd !== null && this.spent + this.reservedUsd + usd > this.limitUsd + 1e-12) return null;
    this.reservedUsd += usd;
    return new Reservation(this, usd);
  }

  /**
   * Reserves `usd`, waiting while turns in flight hold the room it needs. Null when it could not
   * fit even with nothing in flight: the budget is spent, and the turn must not start.
   */
  async acquire(usd: number): Promise<Reservation | null> {
    for (;;) {
      if (this.limitUsd !== null && this.spent + usd > this.limitUsd + 1e-12) return null;
      const r = this.reserve(usd);
      if (r) return r;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Called by a Reservation, once: releases its hold and records what was spent. */
  settleReservation(reservedUsd: number, spentUsd: number): void {
    this.reservedUsd = Math.max(0, this.reservedUsd - reservedUsd);
    this.spent += spentUsd;
    for (const wake of this.waiting.splice(0)) wake();
  }

  describe(): string {
    return `spent $${this.spent.toFixed(4)} of $${this.limitUsd?.toFixed(4) ?? 'unlimited'}`;
  }
}

/** Room set aside for one turn. It settles once; later calls do nothing, so no path can settle it twice. */
export class Reservation {
  private open = true;

  constructor(
    private readonly budget: Budget,
    readonly usd: number,
  ) {}

  /** Releases the hold and records `spentUsd` as spent. */
  settle(spentUsd: number): void {
    if (!this.open) return;
    this.open = false;
    this.budget.settleReservation(this.usd, spentUsd);
  }

  /** Keeps the whole reservation as spent (a stream that broke after it began may have been billed). */
  spendAll(): void {
    this.settle(this.usd);
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
