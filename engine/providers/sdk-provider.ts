import Anthropic, { type Middleware } from '@anthropic-ai/sdk';
import { ProviderError } from '../errors.js';
import { createNodeFetch } from './node-fetch.js';
import type { Attempt, Block } from '../transcript/format.js';
import { TurnFailed, type BatchResult, type MessageParams, type Provider, type ProviderReply, type SendContext } from './types.js';

interface AttemptLog {
  attempts: Attempt[];
  /** Date.now() when the turn's first and latest HTTP attempts started. */
  firstStart: number;
  lastStart: number;
  /** Whether the latest attempt got a 2xx response (so a later failure is inside the stream). */
  streaming: boolean;
  onAttempt?: (a: Attempt) => void;
  beforeAttempt?: () => Promise<void>;
}

export interface SdkProviderOptions {
  name: string;
  apiKey: string;
  baseUrl: string | undefined;
  maxRetries: number;
  retryBaseMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** The HTTP client; node:http by default (node-fetch.ts says why). */
  fetch?: typeof fetch;
}

/**
 * A provider over @anthropic-ai/sdk: the Anthropic API itself, OpenRouter's Anthropic-compatible
 * endpoint, or any other. HTTP-level retries (408, 409, 429, 5xx, 529, connection errors, with
 * `retry-after` honoured) come from the SDK. An error inside a stream that had already started
 * (an `event: error`, a cut connection, malformed SSE) is not retried by the SDK, so the whole
 * turn is retried here, with exponential backoff, under the same retry budget.
 */
export function createSdkProvider(o: SdkProviderOptions): Provider {
  // Every HTTP attempt, retries included, is recorded for the turn that made it, by a
  // per-request middleware: the SDK runs it around each attempt inside its retry loop.
  // (AsyncLocalStorage did the same, but switching on promise hooks for every promise in the
  // process cost a tenth of replay time, and a client per turn cost its constructor; BENCHMARKS.md.)
  // See the Middleware type in @anthropic-ai/sdk/core/middleware ("runs per HTTP attempt").
  const recorder = (turn: AttemptLog): Middleware => async (request, next) => {
    await turn.beforeAttempt?.();
    const start = o.now();
    turn.lastStart = start;
    turn.streaming = false;
    try {
      const res = await next(request);
      const retryAfter = res.headers.get('retry-after');
      // retry-after-ms is finer than retry-after's whole seconds; the SDK prefers it too.
      const retryAfterMs = Number(res.headers.get('retry-after-ms') ?? NaN);
      const attempt: Attempt = {
        at: new Date(start).toISOString(),
        outcome: res.ok ? 'ok' : 'http-error',
        status: res.status,
        request_id: res.headers.get('request-id'),
        retry_after_s: Number.isFinite(retryAfterMs) ? retryAfterMs / 1000 : retryAfter !== null && retryAfter.trim() !== '' && Number.isFinite(Number(retryAfter)) ? Number(retryAfter) : null,
      };
      turn.attempts.push(attempt);
      turn.onAttempt?.(attempt);
      if (res.ok) turn.streaming = true;
      return res;
    } catch (e) {
      const attempt: Attempt = { at: new Date(start).toISOString(), outcome: 'connection-error', status: null, request_id: null, message: errorMessage(e) };
      turn.attempts.push(attempt);
      turn.onAttempt?.(attempt);
      // Rethrown as it came, so the SDK still treats a failed fetch as a connection error and retries it.
      throw e;
    }
  };
  // openTelemetry off: driftbench registers no tracer provider, so the SDK's spans went nowhere
  // and their attributes were computed for nothing on every request.
  const client = new Anthropic({ apiKey: o.apiKey, baseURL: o.baseUrl ?? null, maxRetries: o.maxRetries, fetch: o.fetch ?? createNodeFetch(), openTelemetry: false });

  async function once(params: MessageParams, ctx: SendContext, turn: AttemptLog): Promise<ProviderReply> {
    let ttft: number | null = null;
    let providerCost: number | null = null;
    const stream = client.messages.stream(params as unknown as Anthropic.MessageStreamParams, { signal: ctx.signal, middleware: [recorder(turn)] });
    for await (const event of stream) {
      if (ttft === null && event.type === 'content_block_delta') ttft = o.now() - turn.lastStart;
      if (event.type === 'message_delta') {
        // OpenRouter adds its charge to usage as `cost`; the SDK's types do not know it.
        const cost = (event.usage as unknown as { cost?: unknown }).cost;
        if (typeof cost === 'number' && Number.isFinite(cost)) providerCost = cost;
      }
    }
    const msg = await stream.finalMessage();
    const u = msg.usage;
    return {
      id: msg.id ?? null,
      model: msg.model ?? null,
      requestId: turn.attempts.at(-1)?.request_id ?? null,
      content: msg.content.map(toBlock),
      stopReason: msg.stop_reason ?? null,
      stopDetails: (msg.stop_details as Record<string, unknown> | null | undefined) ?? null,
      usage: {
        input_tokens: u.input_tokens ?? 0,
        output_tokens: u.output_tokens ?? 0,
        cache_creation_input_tokens: u.cache_creation_input_tokens ?? 0,
        cache_read_input_tokens: u.cache_read_input_tokens ?? 0,
        thinking_tokens: u.output_tokens_details?.thinking_tokens ?? null,
      },
      ttftMs: ttft,
      latencyMs: o.now() - turn.lastStart,
      attempts: turn.attempts,
      providerCostUsd: providerCost,
    };
  }

  return {
    name: o.name,
    baseUrl: o.baseUrl ?? 'https://api.anthropic.com',
    batches: {
      async create(requests) {
        const b = await client.messages.batches.create({ requests: requests as unknown as Anthropic.Messages.Batches.BatchCreateParams['requests'] });
        return { id: b.id };
      },
      async status(id) {
        return (await client.messages.batches.retrieve(id)).processing_status;
      },
      async *results(id) {
        for await (const r of await client.messages.batches.results(id)) yield r as unknown as { custom_id: string; result: BatchResult };
      },
    },
    async countTokens(params) {
      const r = await client.messages.countTokens(params as unknown as Anthropic.MessageCountTokensParams);
      return r.input_tokens;
    },
    async send(params, ctx) {
      const turn: AttemptLog = { attempts: [], firstStart: o.now(), lastStart: o.now(), streaming: false, onAttempt: ctx.onAttempt, beforeAttempt: ctx.beforeAttempt };
      for (let retry = 0; ; retry++) {
        try {
          return await once(params, ctx, turn);
        } catch (e) {
          if (ctx.signal?.aborted) throw new TurnFailed('aborted', turn.attempts, null, 'aborted', { cause: e });
          const inStream = turn.streaming;
          if (inStream) {
            const last = turn.attempts.at(-1);
            if (last) (last.outcome = 'stream-error'), (last.message = errorMessage(e));
          }
          if (inStream && retry < o.maxRetries && ctx.beforeRetry && !(await ctx.beforeRetry())) {
            throw new TurnFailed(`budget_exceeded: the stream broke, and the budget cannot cover another attempt: ${errorMessage(e)}`, turn.attempts, null, 'budget_exceeded', { cause: e });
          }
          // A 429 means "slow down", not "failed": once the SDK's retries are spent, the turn
          // keeps waiting its turn (paced by the caller's beforeAttempt) for a while longer.
          if (!inStream && e instanceof Anthropic.APIError && e.status === 429 && o.now() - turn.firstStart < RATE_LIMIT_PATIENCE_MS) continue;
          // Other HTTP errors were already retried by the SDK as far as they are retryable.
          if (!inStream || retry >= o.maxRetries) {
            const status = e instanceof Anthropic.APIError ? (e.status ?? null) : null;
            const type = errorType(e);
            throw new TurnFailed(`${type}${status ? ` (HTTP ${status})` : ''}: ${errorMessage(e)}`, turn.attempts, status, type, { cause: e });
          }
          await o.sleep(backoff(o.retryBaseMs, retry));
        }
      }
    },
  };
}

/** How long a turn keeps retrying 429s after the SDK's own retries are spent. */
const RATE_LIMIT_PATIENCE_MS = 10 * 60_000;

/** Exponential backoff with up to 25% jitter, capped at 8 s (the SDK's own cap). */
function backoff(baseMs: number, retry: number): number {
  return Math.min(baseMs * 2 ** retry, 8000) * (1 - Math.random() * 0.25);
}

function toBlock(b: Anthropic.ContentBlock): Block {
  // Stored exactly as returned: thinking keeps its signature, redacted_thinking its data.
  return { ...(b as unknown as Block) };
}

function errorType(e: unknown): string {
  if (e instanceof Anthropic.APIError) {
    const body = e.error as { error?: { type?: string } } | undefined;
    return body?.error?.type ?? e.constructor.name;
  }
  return e instanceof Error ? e.name : 'Error';
}

function errorMessage(e: unknown): string {
  if (e instanceof Anthropic.APIError) {
    const body = e.error as { error?: { message?: string } } | undefined;
    return body?.error?.message ?? e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

export function requireKey(env: NodeJS.ProcessEnv, name: string, provider: string): string {
  const key = env[name];
  if (key === undefined || key.trim() === '') throw new ProviderError(`--provider ${provider} needs ${name} in the environment`);
  return key;
}
