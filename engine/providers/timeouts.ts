/**
 * How long one HTTP attempt may take, in three parts. A timed-out attempt is a retryable fault
 * (retry-policy.ts, kind 'timeout'), recorded in the turn's attempts with its cause.
 *
 * - headers (`--connect-timeout`): until the response's headers arrive. This is the SDK's own
 *   `timeout` client option (@anthropic-ai/sdk 1.14, client.js `fetchWithTimeout`): it arms a
 *   timer around the fetch only, clears it once the headers are in, and throws
 *   APIConnectionTimeoutError. Its default, 10 minutes, is sized for a non-streamed reply whose
 *   whole generation happens before the headers; a stream's headers come when the request is
 *   accepted, so a minute is plenty, and a server that never answers costs a minute, not ten.
 * - idle (`--idle-timeout`): after the headers, no event other than a ping for this long. The SDK
 *   drops `ping` events before they reach the stream's iterator (core/streaming.js
 *   `fromSSEResponse`), so every event the provider sees is progress, and bytes that never
 *   complete an event (a trickle) are not. Pings prove nothing: the API may send "any number of
 *   ping events" in any stream (https://platform.claude.com/docs/en/build-with-claude/streaming).
 *   The default, 5 minutes, is generous for long thinking: a run asks for thinking with display
 *   "summarized" (replay/request.ts), so a thinking model streams its thinking as thinking_delta
 *   events while it thinks, and the longest quiet stretch left is the prompt's processing before
 *   the first block. (A judge model whose thinking display defaults to "omitted" streams only
 *   pings while it thinks: judge calls take the same option, raise it for very long judging.)
 * - attempt (`--attempt-timeout`): the whole attempt, request to message_stop. It catches a stream
 *   that keeps sending, but too slowly to ever end. The default, 60 minutes, is the SDK's own
 *   estimate of the longest generation: `calculateNonstreamingTimeout` allows 60 minutes per
 *   128,000 output tokens, the largest max_tokens a profile sends.
 */
export interface Timeouts {
  headersMs: number;
  idleMs: number;
  attemptMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 60_000, idleMs: 300_000, attemptMs: 3_600_000 };

/** Which limit an attempt ran into. */
export type TimeoutPhase = 'headers' | 'idle' | 'attempt';

/** An attempt that ran out of time; its message names the cause ("no data for 300 s"). */
export class AttemptTimedOut extends Error {
  override readonly name = 'AttemptTimedOut';
  constructor(
    readonly phase: TimeoutPhase,
    ms: number,
  ) {
    super(timeoutMessage(phase, ms));
  }
}

export function timeoutMessage(phase: TimeoutPhase, ms: number): string {
  const s = seconds(ms);
  if (phase === 'headers') return `no response headers within ${s} s (--connect-timeout)`;
  if (phase === 'idle') return `no data for ${s} s (--idle-timeout; pings do not count)`;
  return `the attempt did not end within ${s} s (--attempt-timeout)`;
}

const seconds = (ms: number) => String(Math.round(ms) / 1000);

/** Node fires a timer of more than 2^31 - 1 ms at once (with a warning): a longer limit waits that long, about 24.8 days. */
const timerMs = (ms: number) => Math.min(Math.max(1, ms), 2 ** 31 - 1);

/**
 * Watches one attempt: its signal aborts the request when the attempt's deadline passes, or when
 * the stream goes idle once `streaming()` was called, or when the caller's own signal aborts.
 * `fired` says which limit it was (null when nothing timed out). Real timers: a timeout is about
 * wall-clock time on the wire, whatever clock the retries wait on.
 */
export class AttemptWatchdog {
  private readonly controller = new AbortController();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly deadline: NodeJS.Timeout;
  private readonly unlink: () => void;
  fired: AttemptTimedOut | null = null;

  constructor(
    private readonly t: Timeouts,
    outer: AbortSignal | undefined,
    attemptMs: number = t.attemptMs,
  ) {
    this.deadline = setTimeout(() => this.fire('attempt', attemptMs), timerMs(attemptMs));
    const onAbort = () => this.controller.abort(outer?.reason);
    if (outer?.aborted) onAbort();
    outer?.addEventListener('abort', onAbort, { once: true });
    this.unlink = () => outer?.removeEventListener('abort', onAbort);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The headers are in: from now on the stream must keep sending events. */
  streaming(): void {
    this.progress();
  }

  /** An event arrived: the idle clock starts again. */
  progress(): void {
    if (this.fired) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.fire('idle', this.t.idleMs), timerMs(this.t.idleMs));
  }

  /** The caller is busy with what came: the idle clock stops until the next `progress()`. */
  pause(): void {
    clearTimeout(this.idleTimer);
  }

  /** Stops the timers; the signal stays as it is (a response body may still be read after). */
  dispose(): void {
    clearTimeout(this.deadline);
    clearTimeout(this.idleTimer);
    this.unlink();
  }

  private fire(phase: TimeoutPhase, ms: number): void {
    if (this.fired || this.controller.signal.aborted) return;
    this.fired = new AttemptTimedOut(phase, ms);
    this.dispose();
    this.controller.abort(this.fired);
  }
}
