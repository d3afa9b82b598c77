import Anthropic from '@anthropic-ai/sdk';
import { scrubbedError, secretScrubber, type Scrub } from '../secrets.js';
import type { Attempt } from '../transcript/format.js';
import { ProviderError } from '../errors.js';
import { proxyFetchOptions } from './proxy.js';
import { parseRateLimits } from './rate-limits.js';
import { failedAttempt, RetriesExhausted, withRetries, type AttemptResult, type Failure, type RetryHooks, type RetryPolicy } from './retry-policy.js';
import { cappedFetch, ResponseTooLarge } from './response-cap.js';
import { AttemptTimedOut, AttemptWatchdog, DEFAULT_TIMEOUTS, type Timeouts } from './timeouts.js';
import { TurnFailed, type MessageParams, type Provider, type ProviderReply, type ProxySettings, type SendContext } from './types.js';

export interface SdkProviderOptions {
  name: string;
  apiKey: string;
  baseUrl: string | undefined;
  policy: RetryPolicy;
  proxy: ProxySettings | undefined;
  /** Default DEFAULT_TIMEOUTS. */
  timeouts?: Timeouts;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Every other secret the process holds: scrubbed, with apiKey, from what servers send back (secrets.ts). */
  secrets?: readonly string[];
}

/**
 * A provider over @anthropic-ai/sdk and the SDK's own transport (Node's fetch, with a proxy
 * dispatcher when HTTP(S)_PROXY is set): the Anthropic API itself, OpenRouter's
 * Anthropic-compatible endpoint, or any other. The SDK's retries are off; every request goes
 * through the one retry policy (retry-policy.ts), one HTTP attempt per call, each recorded.
 * Every attempt runs against the three limits of timeouts.ts: the SDK's own `timeout` until the
 * headers, then a watchdog on the stream's events and on the attempt's whole length.
 *
 * This is the edge where a server's words come in: every error message (an HTTP error's body,
 * a broken stream, a batch item's error) is scrubbed of the keys here, before anything records
 * it, and no raw SDK error travels on as a cause.
 */
export function createSdkProvider(o: SdkProviderOptions): Provider {
  const timeouts = o.timeouts ?? DEFAULT_TIMEOUTS;
  const scrub = secretScrubber([o.apiKey, ...(o.secrets ?? [])]);
  const message = (e: unknown) => scrub(errorMessage(e));
  const failed = (e: unknown, attempts: Attempt[]) => turnFailed(e, attempts, message, scrub);
  const client = new Anthropic({
    apiKey: o.apiKey,
    // null, not undefined: the SDK would otherwise read ANTHROPIC_BASE_URL behind the user's back.
    baseURL: o.baseUrl ?? null,
    maxRetries: 0,
    // Covers each request until its headers, and no further (timeouts.ts).
    timeout: Math.min(Math.ceil(timeouts.headersMs), 2 ** 31 - 1),
    fetchOptions: proxyFetchOptions(o.proxy),
    fetch: cappedFetch(),
  });
  const hooks = (ctx?: Partial<SendContext>): RetryHooks => ({
    policy: o.policy,
    now: o.now,
    sleep: o.sleep,
    signal: ctx?.signal,
    beforeAttempt: ctx?.beforeAttempt,
    beforeStreamRetry: ctx?.beforeRetry,
  });

  /** One streamed HTTP attempt, watched for an idle stream and for its deadline. */
  async function streamOnce(params: MessageParams, ctx: SendContext, attempts: Attempt[]): Promise<AttemptResult<ProviderReply>> {
    const start = o.now();
    let began = false;
    let requestId: string | null = null;
    let status: number | null = null;
    let contentType: string | null = null;
    const watchdog = new AttemptWatchdog(timeouts, ctx.signal);
    try {
      const stream = client.messages.stream(params, { signal: watchdog.signal });
      const { response } = await stream.withResponse();
      began = true;
      watchdog.streaming();
      status = response.status;
      contentType = response.headers.get('content-type');
      ctx.onRateLimits?.(parseRateLimits(response.headers), response.status);
      requestId = response.headers.get('request-id');
      const ok: Attempt = { at: new Date(start).toISOString(), outcome: 'ok', status: response.status, request_id: requestId };
      let ttft: number | null = null;
      let providerCost: number | null = null;
      // The SDK never yields a ping (timeouts.ts): every event here is progress.
      for await (const event of stream) {
        watchdog.progress();
        if (ttft === null && event.type === 'content_block_delta') ttft = o.now() - start;
        // OpenRouter adds its charge to usage as `cost`, a field the SDK's types do not know; the
        // last usage of the stream carries it (openrouter.ts). Cumulative, like all of message_delta's usage.
        if (event.type === 'message_delta' && 'cost' in event.usage && typeof event.usage.cost === 'number' && Number.isFinite(event.usage.cost)) {
          providerCost = event.usage.cost;
        }
      }
      const message = await stream.finalMessage();
      record(attempts, ok, ctx);
      return { ok: true, value: { message, requestId, ttftMs: ttft, latencyMs: o.now() - start, attempts, providerCostUsd: providerCost } };
    } catch (caught) {
      const error = watchdog.fired ?? headersTimeout(caught, timeouts) ?? caught;
      // An HTTP error states the limits too (a 429 above all); a stream that broke already did.
      if (!began && error instanceof Anthropic.APIError && error.status !== undefined) ctx.onRateLimits?.(parseRateLimits(error.headers), error.status);
      const failure = classify(error, began);
      const cause = readableCause(error, status, contentType);
      record(attempts, failedAttempt(start, failure, message(cause), requestId ?? requestIdOf(error), status, o.now()), ctx);
      return { ok: false, failure, error: cause };
    } finally {
      watchdog.dispose();
    }
  }

  /**
   * A plain (not streamed) call through the same policy; its attempts are not part of a turn. Its
   * body follows its headers at once, so one idle period after the headers timeout bounds it all.
   */
  function call<T>(fn: (options: { signal: AbortSignal }) => Promise<T>): Promise<T> {
    const attempts: Attempt[] = [];
    return withRetries(async (): Promise<AttemptResult<T>> => {
      const watchdog = new AttemptWatchdog(timeouts, undefined, Math.min(timeouts.attemptMs, timeouts.headersMs + timeouts.idleMs));
      try {
        return { ok: true, value: await fn({ signal: watchdog.signal }) };
      } catch (caught) {
        const error = watchdog.fired ?? headersTimeout(caught, timeouts) ?? caught;
        const failure = classify(error, false);
        attempts.push(failedAttempt(o.now(), failure, message(error), requestIdOf(error)));
        return { ok: false, failure, error };
      } finally {
        watchdog.dispose();
      }
    }, hooks()).catch((e: unknown) => {
      throw failed(e, attempts);
    });
  }

  return {
    name: o.name,
    baseUrl: o.baseUrl ?? 'https://api.anthropic.com',
    batches: {
      async create(requests) {
        const b = await call((opts) => client.messages.batches.create({ requests }, opts));
        return { id: b.id };
      },
      async status(id) {
        return (await call((opts) => client.messages.batches.retrieve(id, {}, opts))).processing_status;
      },
      async *results(id) {
        // Results are read once, as a stream; a read that breaks (or goes quiet for the idle
        // timeout) fails the run, and a resumed run collects the batch again (its id is in the
        // manifest). The idle clock stops while the caller handles a line.
        let idle: AttemptWatchdog | undefined;
        try {
          const lines = await call((opts) => {
            idle?.dispose();
            idle = new AttemptWatchdog(timeouts, opts.signal, NO_DEADLINE);
            return client.messages.batches.results(id, {}, { signal: idle.signal });
          });
          idle?.streaming();
          for await (const line of lines) {
            idle?.pause();
            // An errored item's message is the server's words, like any error's.
            if (line.result.type === 'errored') line.result.error.error.message = scrub(line.result.error.error.message);
            yield line;
            idle?.progress();
          }
        } catch (e) {
          const fired = idle?.fired;
          if (!fired) throw e;
          throw new ProviderError(
            `batch ${id}: reading its results: ${fired.message}; resume the run to collect them again`,
            { type: 'timeout_error', retryable: true },
            { cause: e },
          );
        } finally {
          idle?.dispose();
        }
      },
    },
    models: {
      retrieve: (id) => call((opts) => client.models.retrieve(id, {}, opts)),
      async list() {
        const all: Anthropic.Models.ModelInfo[] = [];
        for await (const m of await call((opts) => client.models.list({ limit: 1000 }, opts))) all.push(m);
        return all;
      },
    },
    async countTokens(params) {
      return (await call((opts) => client.messages.countTokens(params, opts))).input_tokens;
    },
    async send(params, ctx) {
      const attempts: Attempt[] = [];
      try {
        return await withRetries(() => streamOnce(params, ctx, attempts), hooks(ctx));
      } catch (e) {
        throw failed(e, attempts);
      }
    },
  };
}

/** A watchdog with no deadline: Node's longest timer, about 24.8 days. */
const NO_DEADLINE = 2 ** 31 - 1;

function record(attempts: Attempt[], a: Attempt, ctx: SendContext): void {
  attempts.push(a);
  ctx.onAttempt?.(a);
}

/** What went wrong with one attempt, in the policy's terms. */
function classify(e: unknown, began: boolean): Failure {
  if (e instanceof AttemptTimedOut) return { kind: 'timeout', began: e.phase !== 'headers' && began };
  if (e instanceof Anthropic.APIUserAbortError) return { kind: 'aborted' };
  // The SDK's MessageStream hands on what the body's reader threw as the cause of its own error.
  if (e instanceof ResponseTooLarge || (e instanceof Error && e.cause instanceof ResponseTooLarge)) return { kind: 'stream', errorType: 'response_too_large' };
  // Not retried: the endpoint answers this way every time, and each attempt may be billed.
  if (lacksUsage(e)) return { kind: 'stream', errorType: 'response_without_usage' };
  if (began) return { kind: 'stream', errorType: e instanceof Anthropic.APIError ? e.type : null };
  if (e instanceof Anthropic.APIConnectionError) return { kind: 'connection' };
  if (e instanceof Anthropic.APIError && e.status !== undefined) return { kind: 'http', status: e.status, headers: e.headers, errorType: e.type };
  // Anything else before a response (a fetch that threw something the SDK did not wrap).
  return { kind: 'connection' };
}

/** The SDK's headers timeout, named as ours; undici's own connect timeout fails the same way, and says so. */
function headersTimeout(e: unknown, t: Timeouts): AttemptTimedOut | null {
  return e instanceof Anthropic.APIConnectionTimeoutError ? new AttemptTimedOut('headers', t.headersMs) : null;
}

/** The turn's failure, its message scrubbed, with a scrubbed copy of the SDK's error as its cause. */
function turnFailed(e: unknown, attempts: Attempt[], message: (e: unknown) => string, scrub: Scrub): TurnFailed {
  if (!(e instanceof RetriesExhausted)) return new TurnFailed(message(e), attempts, null, 'error', { cause: scrubbedError(e, scrub) });
  const cause = scrubbedError(e.cause, scrub);
  if (e.reason === 'aborted') return new TurnFailed('aborted', attempts, null, 'aborted', { cause });
  if (e.reason === 'budget') {
    return new TurnFailed(`budget_exceeded: the stream broke, and the budget cannot cover another attempt: ${message(e.cause)}`, attempts, null, 'budget_exceeded', { cause });
  }
  const f = e.failure;
  const status = f.kind === 'http' ? f.status : null;
  const type =
    (f.kind === 'http' || f.kind === 'stream' ? f.errorType : null) ??
    (f.kind === 'connection' ? 'connection_error' : f.kind === 'stream' ? 'stream_error' : f.kind === 'timeout' ? 'timeout_error' : 'api_error');
  return new TurnFailed(`${type}${status ? ` (HTTP ${status})` : ''}: ${message(e.cause)}`, attempts, status, type, { cause });
}

/**
 * What went wrong in words a user can act on, where the SDK's own message describes its
 * insides: a 200 whose body is a web page (a base URL that points at a web server, not the
 * API) ends "request ended without sending any chunks"; a stream without usage fails inside the
 * SDK with "Cannot read properties of undefined (reading 'output_tokens')". Anything else is
 * returned as it is. Pure; exported for its test.
 */
export function readableCause(e: unknown, status: number | null, contentType: string | null): unknown {
  if (!(e instanceof Error) || e instanceof Anthropic.APIError || e instanceof ResponseTooLarge || e.cause instanceof ResponseTooLarge || e instanceof AttemptTimedOut) return e;
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? null;
  if (status !== null && type !== null && type !== 'text/event-stream') {
    return new Error(`the endpoint answered ${status} with ${type}, not an event stream: is the base URL right? (${e.message})`, { cause: e });
  }
  if (lacksUsage(e)) {
    return new Error(`the response has no usage (token counts), so the turn cannot be priced: the endpoint is not Anthropic-compatible enough (${e.message})`, { cause: e });
  }
  return e;
}

/**
 * A stream whose message carries no usage: the SDK fails inside its accumulator, and its
 * MessageStream hands that TypeError on as the cause of an AnthropicError.
 */
function lacksUsage(e: unknown): boolean {
  return e instanceof Error && /reading '(input|output)_tokens'|usage/.test(e.message) && (e instanceof TypeError || e.cause instanceof TypeError);
}

function errorMessage(e: unknown): string {
  if (e instanceof Anthropic.APIError) return e.apiMessage ?? e.message;
  return e instanceof Error ? e.message : String(e);
}

function requestIdOf(e: unknown): string | null {
  return e instanceof Anthropic.APIError ? (e.requestID ?? null) : null;
}
