/**
 * The local Anthropic-compatible server's vocabulary: what a test scripts (replies and
 * faults), what the server records, and how it is started.
 */

export type ScriptedBlock =
  /**
   * `signature` defaults to signThinking(thinking), the only signature the server accepts back;
   * under rules 'today' it defaults to one that also names the model and, for the models with
   * preserved thinking, binds the block to its conversation (thinking-binding.ts).
   */
  { type: 'thinking'; thinking: string; signature?: string } | { type: 'redacted_thinking'; data: string } | { type: 'text'; text: string };

export interface ScriptedReply {
  content: ScriptedBlock[];
  /**
   * Default end_turn. pause_turn (a server-tool loop paused: send the content back to continue)
   * and model_context_window_exceeded (the reply filled the context window: truncated) are
   * today's cut-offs, https://platform.claude.com/docs/build-with-claude/handling-stop-reasons
   */
  stop_reason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'refusal' | 'pause_turn' | 'model_context_window_exceeded';
  /** Default null. */
  stop_details?: Record<string, unknown> | null;
  /**
   * Default: the request's model. Another id emulates a server-side fallback, another model
   * answering (https://platform.claude.com/docs/en/build-with-claude/refusals-and-fallback):
   * the message's `model`, streamed in message_start too, names the model that answered. The
   * docs do not say whether the real top-level `model` changes; this is how a test makes it.
   */
  model?: string;
  /**
   * Replaces the estimated input side (prompt cache included): input_tokens defaults to the
   * whole estimate and the cache fields to 0. output_tokens defaults to the reply's chunk count
   * (thinking chunks included, shown or not). The other fields replace what rules 'today'
   * reports, or are added to a rules-off reply.
   */
  usage?: Partial<{
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
    service_tier: 'standard' | 'priority' | 'batch' | null;
    inference_geo: string | null;
    speed: 'standard' | 'fast' | null;
    output_tokens_details: { thinking_tokens: number } | null;
    server_tool_use: { web_search_requests: number; web_fetch_requests: number } | null;
  }>;
  /**
   * OpenRouter's charge for the request, sent as usage.cost in message_delta and the whole
   * message when present (https://openrouter.ai/docs/cookbook/administration/usage-accounting).
   */
  cost?: number;
}

export type FaultKind =
  | 'rate-limit'
  | 'overloaded'
  | 'server-error'
  | 'cut-stream'
  | 'stream-error'
  | 'refusal'
  | 'malformed-sse'
  /** The connection is closed before any response: the client sees a connection error. */
  | 'connection-reset'
  /** A 400 invalid_request_error, which no retry can fix. */
  | 'bad-request'
  /** A 200 with an HTML page, as a base URL that points at a web server instead of the API gets. */
  | 'html-page'
  /**
   * The stalls below keep the connection open, with nothing more to come, until the client leaves
   * or the server closes. no-headers: the request is read, and nothing is ever sent back.
   */
  | 'no-headers'
  /** A 200 stream that sends `afterEvents` events (default 3), then nothing. */
  | 'stall'
  /** A 200 stream that sends `afterEvents` events (default 1, message_start), then only a ping every `everyMs` (default 100). */
  | 'pings-only'
  /** A 200 stream whose bytes come one at a time, `everyMs` apart (default 1000): an event takes minutes to complete. */
  | 'trickle'
  /**
   * An HTTP error (`status`, default 500) whose message and body echo the request's API key, in
   * full and cut short, as a careless server or proxy does: what must never be stored (issue 17).
   */
  | 'echo-key'
  /** A whole reply, streamed or not, without `usage` in it anywhere (no token counts to price it by). */
  | 'no-usage';

export interface Fault {
  fault: FaultKind;
  /** rate-limit / overloaded: the retry-after header, in seconds (default 1). */
  retryAfterS?: number;
  /** The retry-after-ms header, which the SDK prefers over retry-after. Default 10 on 429/529 so retries stay fast. */
  retryAfterMs?: number;
  /** cut-stream / stream-error / malformed-sse / stall / pings-only: how many SSE events to send first (default 3; pings-only 1). */
  afterEvents?: number;
  /** pings-only: between pings; trickle: between bytes. */
  everyMs?: number;
  /** refusal: stop_details.explanation. */
  explanation?: string;
  /** echo-key: the HTTP status (default 500, which is retried). */
  status?: number;
}

/**
 * How a Message Batches item ends when it does not succeed. Only meaningful inside a batch:
 * POST /v1/messages answers it with an "unexpected" 500.
 */
export type BatchOutcome =
  | { batch: 'expired' }
  /** errorType defaults to api_error. */
  | { batch: 'errored'; errorType?: string; message?: string };

export type Scripted = ScriptedReply | Fault | BatchOutcome;

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  /** Lower-cased names, as received. */
  headers: Record<string, string>;
  /** Parsed JSON, or null when the body was empty or not JSON; `any` because it is whatever the client sent. */
  body: any;
  /** Date.now() when the body had been read. */
  receivedAt: number;
  /** performance.now() when the request's headers arrived: reply latency is timed from here. */
  arrivedMs: number;
  /** The request-id header the server answered with (req_local_<seq>). */
  requestId: string;
  outcome: 'reply' | 'fault' | 'unexpected' | 'rejected';
  fault?: FaultKind;
  /** Why the request was refused (400, 401 or 404). */
  rejection?: string;
  /** The query string without its '?', when there was one. */
  query?: string;
  /**
   * Rules 'today': thinking blocks the model could not read and silently left out, as
   * 'messages.N.content.M' (https://platform.claude.com/docs/en/build-with-claude/preserved-thinking).
   * Only set when some were.
   */
  droppedThinking?: string[];
  /**
   * The body the model received, when it differs from the one sent: OpenRouter's rewriting in
   * openrouter mode under rules 'today', and any `dropParams` (openrouter.ts).
   */
  forwarded?: any;
}

/**
 * Answers a POST /v1/messages when the queue is empty; undefined means "not scripted". For a
 * batch item it gets a request whose path is /v1/messages and whose body is the item's params.
 */
export type Responder = (req: RecordedRequest) => Scripted | undefined;

export interface LocalServerOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /**
   * Default anthropic. openrouter plays OpenRouter's Anthropic-compatible endpoint (served under
   * /api/v1/messages too, like every route): `usage.cost` from the script, and under rules
   * 'today' OpenRouter's model ids, its rewriting of `thinking` and no prefix checks on thinking
   * blocks (openrouter.ts, with the doc pages).
   */
  mode?: 'anthropic' | 'openrouter';
  /**
   * Default none. Request parameters the endpoint ignores without saying so, as OpenRouter did
   * with effort and thinking on Claude until June 2026: `effort` removes `output_config.effort`
   * before the model sees the request; `thinking` removes `thinking`, and under rules 'off' also
   * the thinking blocks of every reply. Either mode. The request log keeps what the client sent.
   */
  dropParams?: Array<'effort' | 'thinking'>;
  /** ttftMs: from a request's arrival to its first token; perTokenMs: between later tokens. Default 0 / 0. */
  latency?: { ttftMs?: number; perTokenMs?: number };
  /** Used when the queue is empty. */
  responder?: Responder;
  /**
   * Awaited before a messages request is answered (after it is logged): a test holds replies
   * until it has done what must happen while a run is mid-request, then lets them go. No sleeps.
   */
  hold?: (req: RecordedRequest) => Promise<void> | undefined;
  /**
   * Model id prefix -> top-level params that model rejects with a 400. Default: sampling
   * parameters for Opus 4.7 and 4.8 under rules 'off', none under 'today' (the model table decides).
   */
  rejectParams?: Record<string, string[]>;
  /**
   * Default 'today': each model line's rules from models.ts (unknown and retired models,
   * sampling parameters, thinking types and display, efforts, max_tokens, mid-conversation
   * system messages, thinking bound to its conversation) and today's usage fields and
   * rate-limit headers; in openrouter mode they apply to the request as OpenRouter forwards it
   * (openrouter.ts). 'off': any model id, thinking and parameters as the client sends them (an
   * Anthropic-compatible endpoint that is not Anthropic).
   */
  rules?: 'today' | 'off';
  /** Default true. false: /v1/models answers 404, as an Anthropic-compatible endpoint without a Models API. */
  modelsApi?: boolean;
  /** Off by default: POST /v1/messages is never refused for rate. */
  rateLimit?: RateLimitOptions;
  /** Default 0. A cache_control breakpoint whose prefix has fewer estimated tokens is not cached. */
  cacheMinTokens?: number;
  /** Default 0. How long a message batch stays in_progress before it ends. */
  batchLatencyMs?: number;
  /** Default false. true: a batch's results file sends its first line, then stalls (nothing more, the connection open). */
  stallBatchResults?: boolean;
}

export interface RateLimitOptions {
  /** A token bucket holding max(1, requestsPerMinute / 60) requests, refilled continuously. */
  requestsPerMinute?: number;
  /** The most POST /v1/messages requests answered at once (a stream counts until it ends). */
  concurrent?: number;
  /**
   * Input tokens per minute (ITPM): a token bucket holding max(1, ITPM / 60) tokens, refilled
   * continuously, charged each request's estimated input tokens (cache reads included). A
   * request larger than the bucket is let through when the bucket is full and leaves it in debt.
   */
  inputTokensPerMinute?: number;
  /** The least retry-after (seconds) a 429 from either limit carries. Default 1. */
  retryAfterS?: number;
}

export interface RateLimitStats {
  /** Message requests the rate limits let through (all of them when no limit is set). */
  accepted: number;
  /** Message requests answered 429 by the rate limits (scripted rate-limit faults not included). */
  rateLimited: number;
  /** The most message requests that were in flight at once. */
  maxInFlight: number;
}

/** One message batch as the server holds it; `any` because params are whatever the client sent. */
export interface RecordedBatch {
  id: string;
  requests: Array<{ custom_id: string; params: any }>;
  /** In request order; empty until the batch has ended. */
  results: Array<{ custom_id: string; result: any }>;
}

export interface LocalServer {
  /** 'http://127.0.0.1:PORT' */
  url: string;
  port: number;
  /** Every request, in order of arrival. */
  requests: RecordedRequest[];
  /** Only POST .../v1/messages. */
  messageRequests(): RecordedRequest[];
  /** FIFO queue consumed by POST /v1/messages, before the responder. */
  enqueue(...items: Scripted[]): void;
  /** Requests answered 500 because nothing was scripted for them. */
  unexpected(): RecordedRequest[];
  /** What the rate limits did since start (or the last reset). */
  stats(): RateLimitStats;
  /** Every message batch created, oldest first. */
  batches(): RecordedBatch[];
  /**
   * Resolves with the first `n` requests that `match` accepts (default: any), as soon as the n-th
   * has arrived (or at once, if it already has), so a test waits on the request, not on a timer.
   * Rejects if the server is closed first.
   */
  waitForRequests(n: number, match?: (req: RecordedRequest) => boolean): Promise<RecordedRequest[]>;
  /** Clears the queue, the log, the prompt cache, the batches and the stats, and numbers requests from 1 again. */
  reset(): void;
  close(): Promise<void>;
}
