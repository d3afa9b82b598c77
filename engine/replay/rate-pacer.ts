import { estimateTokens } from '../plan/estimate.js';
import type { RateLimitName, RateLimits } from '../providers/rate-limits.js';
import type { MessageParams } from '../providers/types.js';

/** What one request takes from each of the API's limits when it is admitted. */
export type Demand = Record<RateLimitName, number>;

/**
 * What a request will take: one request; its input tokens, estimated at about four characters a
 * token (as --dry-run estimates without count_tokens, and as the local server counts); max_tokens
 * of output tokens, which is what the API counts against the output limit when it admits a
 * request (it corrects the figure when the request ends); `tokens` is the two together.
 * https://platform.claude.com/docs/en/api/rate-limits
 *
 * The estimate counts the whole prompt. Today's models do not count cache reads against the
 * input limit, so with prompt caching this over-estimates what a late turn takes; only the time
 * between sending a request and the next response's headers rests on it (see RatePacer).
 */
export function demandOf(params: MessageParams): Demand {
  let text = typeof params.system === 'string' ? params.system : (params.system ?? []).map((b) => b.text).join('');
  for (const m of params.messages) text += contentText(m.content);
  const input = estimateTokens(text);
  return { requests: 1, 'input-tokens': input, 'output-tokens': params.max_tokens, tokens: input + params.max_tokens };
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const block of content as Array<{ text?: unknown; thinking?: unknown; content?: unknown }>) {
    text += typeof block.text === 'string' ? block.text : typeof block.thinking === 'string' ? block.thinking : contentText(block.content);
  }
  return text;
}

/** One request let through: matched with the headers of its response. */
export interface Ticket {
  readonly seq: number;
  readonly model: string;
  /** When it was let through: the server counted it a moment later. */
  readonly sentAt: number;
  readonly demand: Demand;
  /** When its response's headers came, or its attempt ended without any; null until then. */
  answeredAt: number | null;
}

/** Our copy of one of the API's token buckets. */
interface Bucket {
  /** Units per ms: the limit is per minute. */
  rate: number;
  capacity: number;
  /** What the bucket holds at `at`; below zero while requests are waiting for it to refill. */
  level: number;
  at: number;
}

interface Waiter {
  demand: Demand;
  go: (t: Ticket) => void;
  /** Stops listening for the run's hard stop. */
  forget: () => void;
}

/** Rate limits apply per model, so each model is paced on its own. */
interface ModelPace {
  /** probing: no response has stated limits yet; paced: one has; unpaced: the endpoint states none. */
  phase: 'probing' | 'paced' | 'unpaced';
  probe: Ticket | null;
  buckets: Map<RateLimitName, Bucket>;
  /** Let through, and perhaps not yet counted in the figures the buckets were last set from. */
  unseen: Ticket[];
  syncedSeq: number;
  queue: Waiter[];
  /** When the pending wake-up is due, if one is. */
  wakeAt: number | null;
}

const MINUTE_MS = 60_000;
/** Less than this short of a bucket's need counts as enough: float error from refilling exactly as long as computed. */
const EPSILON = 1e-6;

/**
 * Paces requests so that they stay within the API's rate limits instead of running into them.
 *
 * The API measures each limit (requests, input tokens, output tokens per minute, per model) with
 * a token bucket that refills continuously at the limit's rate up to its capacity, and may
 * enforce a per-minute limit over shorter intervals (60 requests a minute as 1 a second).
 * Every response, a 429 too, states each limit, what remains of it, and when the bucket will be
 * full again; input tokens are counted when a request is admitted, output tokens estimated from
 * max_tokens then and corrected when it ends.
 * https://platform.claude.com/docs/en/api/rate-limits
 * https://docs.aws.amazon.com/claude-platform/latest/userguide/rate-limits.md
 *
 * So the pacer keeps a copy of each bucket the API reports, per model:
 * - from a response's headers: rate = limit / minute; capacity = remaining + (reset - sent) x rate,
 *   the bucket being full at reset (at most the limit); level = what remains, less what the
 *   requests the server may not have counted yet take (those let through after this one, and
 *   older ones still unanswered, which this one may have overtaken on the way). The server
 *   counted somewhere between sending and the headers' arrival, so no refill is credited for
 *   that time: crediting it from the send let requests go a few ms early and be refused by a
 *   bucket holding one second of the limit (test/replay/rate-limit-pacing.test.ts). The server's
 *   figures replace the copy every time, so estimates matter only between a request and the next
 *   response's headers; a response older than the one the copy was set from is ignored, and a
 *   429's request gives back what it took (it was not counted).
 * - a request goes when every bucket holds what it will take (a request larger than a bucket
 *   goes once the bucket is full, as the API lets it), and is taken from the copy then. One that
 *   cannot go waits, first come first served, until the copy has refilled enough: requests are
 *   spread over the window at the limit's rate rather than sent in a burst and refused.
 * - until a response for a model has stated its limits, one request for it goes at a time (the
 *   run's first burst waits for one response's headers, not its body); a model whose endpoint
 *   states no limits on a success is not paced at all.
 * The 429 rule (RequestGate.observe) stays as the safety net for what the copy gets wrong:
 * other clients on the same organization between two responses, tokens rounded to the thousand.
 * A 429 whose headers show the limit it ran into is the copy's to learn from and does not cut
 * the concurrency too: in the benchmark (BENCHMARKS.md, "Throughput under rate limits") a few
 * such cuts, each recovering one request per window of successes, left too few conversations
 * in flight to fill the limit. A 429 the headers do not explain (a limit on concurrent
 * requests, an endpoint without headers) still halves it.
 */
export class RatePacer {
  private seq = 0;
  private readonly models = new Map<string, ModelPace>();

  constructor(
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /**
   * Resolves when a request for `model` taking `demand` may be sent, with its ticket. Once
   * `signal` aborts (the run's hard stop), it resolves at once: the attempt then fails as
   * aborted without being sent, instead of waiting for a limit first.
   */
  take(model: string, demand: Demand, signal?: AbortSignal): Promise<Ticket> {
    const m = this.model(model);
    const ticket = signal?.aborted ? this.ticket(model, demand) : m.queue.length === 0 ? this.tryGo(m, model, demand) : null;
    if (ticket) return Promise.resolve(ticket);
    return new Promise((go) => {
      const stop = () => {
        m.queue.splice(m.queue.indexOf(waiter), 1);
        go(this.ticket(model, demand));
        this.pump(m, model);
      };
      const waiter: Waiter = { demand, go, forget: () => signal?.removeEventListener('abort', stop) };
      signal?.addEventListener('abort', stop, { once: true });
      m.queue.push(waiter);
      this.pump(m, model);
    });
  }

  /**
   * A response's rate-limit headers and status, for the request `ticket` let through. True for
   * a 429 that the stated limits explain (one held less than the request needed): the copy has
   * learnt from it, so the request gate need not cut its concurrency as well.
   */
  observe(ticket: Ticket, limits: RateLimits, status: number): boolean {
    const m = this.model(ticket.model);
    ticket.answeredAt ??= this.now();
    if (status === 429) this.giveBack(m, ticket);
    const stated = Object.entries(limits) as Array<[RateLimitName, NonNullable<RateLimits[RateLimitName]>]>;
    if (stated.length === 0) {
      if (m.probe === ticket) {
        if (status >= 200 && status < 300) m.phase = 'unpaced';
        m.probe = null;
      }
    } else if (ticket.seq > m.syncedSeq) {
      const now = this.now();
      // What the server may not have counted when it answered: the requests sent after this one,
      // and those sent before it that had no answer yet when it was sent (it may have overtaken
      // them on the way). Counting one twice only holds the next request back a little.
      const uncounted = m.unseen.filter((t) => t !== ticket && !(t.answeredAt !== null && t.answeredAt <= ticket.sentAt));
      for (const [name, s] of stated) {
        const rate = s.limit / MINUTE_MS;
        const capacity = Math.max(s.remaining, Math.min(s.limit, s.remaining + Math.max(0, s.resetAtMs - ticket.sentAt) * rate));
        m.buckets.set(name, { rate, capacity, level: Math.min(capacity, s.remaining) - uncounted.reduce((n, t) => n + t.demand[name], 0), at: now });
      }
      m.unseen = uncounted;
      m.syncedSeq = ticket.seq;
      m.phase = 'paced';
      m.probe = null;
    }
    this.pump(m, ticket.model);
    return status === 429 && stated.some(([name, s]) => s.remaining < Math.min(ticket.demand[name], m.buckets.get(name)?.capacity ?? Number.POSITIVE_INFINITY));
  }

  /** An attempt ended (after its headers, or without a response): a probe that learnt nothing lets the next request try. */
  ended(ticket: Ticket): void {
    ticket.answeredAt ??= this.now();
    const m = this.model(ticket.model);
    if (m.probe !== ticket) return;
    m.probe = null;
    this.pump(m, ticket.model);
  }

  private model(name: string): ModelPace {
    let m = this.models.get(name);
    if (!m) {
      m = { phase: 'probing', probe: null, buckets: new Map(), unseen: [], syncedSeq: 0, queue: [], wakeAt: null };
      this.models.set(name, m);
    }
    return m;
  }

  private tryGo(m: ModelPace, model: string, demand: Demand): Ticket | null {
    if (m.phase === 'probing' && m.probe !== null) return null;
    if (m.phase === 'paced' && this.waitMs(m, demand) > 0) return null;
    const now = this.now();
    const ticket = this.ticket(model, demand);
    if (m.phase === 'probing') m.probe = ticket;
    if (m.phase !== 'paced') return ticket;
    for (const [name, b] of m.buckets) b.level -= demand[name];
    // A request let through a minute ago is no longer in what any bucket holds: the bucket has
    // refilled a whole limit since. Dropping it keeps the list short when no headers come.
    while (m.unseen.length > 0 && m.unseen[0]!.sentAt <= now - MINUTE_MS) m.unseen.shift();
    m.unseen.push(ticket);
    return ticket;
  }

  private ticket(model: string, demand: Demand): Ticket {
    return { seq: ++this.seq, model, sentAt: this.now(), demand, answeredAt: null };
  }

  /** How long until every bucket holds what `demand` needs; refills the copy to now. */
  private waitMs(m: ModelPace, demand: Demand): number {
    const now = this.now();
    let wait = 0;
    for (const [name, b] of m.buckets) {
      b.level = Math.min(b.capacity, b.level + (now - b.at) * b.rate);
      b.at = now;
      const need = Math.min(demand[name], b.capacity);
      if (b.level < need - EPSILON) wait = Math.max(wait, (need - b.level) / b.rate);
    }
    return wait;
  }

  private giveBack(m: ModelPace, ticket: Ticket): void {
    const i = m.unseen.indexOf(ticket);
    if (i < 0) return;
    m.unseen.splice(i, 1);
    for (const [name, b] of m.buckets) b.level += ticket.demand[name];
  }

  /** Lets waiting requests through in order while they fit, then sleeps until the first one will. */
  private pump(m: ModelPace, model: string): void {
    for (;;) {
      const head = m.queue[0];
      if (!head) return;
      const ticket = this.tryGo(m, model, head.demand);
      if (!ticket) break;
      m.queue.shift();
      head.forget();
      head.go(ticket);
    }
    if (m.phase !== 'paced') return; // a probe's answer wakes the queue
    const wait = Math.max(1, Math.ceil(this.waitMs(m, m.queue[0]!.demand)));
    const due = this.now() + wait;
    if (m.wakeAt !== null && m.wakeAt <= due) return;
    m.wakeAt = due;
    void this.sleep(wait).then(() => {
      if (m.wakeAt === due) m.wakeAt = null;
      this.pump(m, model);
    });
  }
}
