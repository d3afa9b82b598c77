/**
 * The local Anthropic-compatible server's vocabulary: what a test scripts (replies and
 * faults), what the server records, and how it is started.
 */

export type ScriptedBlock =
  /** `signature` defaults to signThinking(thinking), the only signature the server accepts back. */
  | { type: 'thinking'; thinking: string; signature?: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'text'; text: string };

export interface ScriptedReply {
  content: ScriptedBlock[];
  /** Default end_turn. */
  stop_reason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'refusal';
  /** Default null. */
  stop_details?: Record<string, unknown> | null;
  /** Default: the request's model. */
  model?: string;
  /** Overrides the estimated usage field by field. */
  usage?: Partial<{
    input_tokens: number;
    output_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
  }>;
  /** OpenRouter-style provider cost, sent as usage.cost when present. */
  cost?: number;
}

export type FaultKind =
  | 'rate-limit'
  | 'overloaded'
  | 'server-error'
  | 'cut-stream'
  | 'stream-error'
  | 'refusal'
  | 'malformed-sse';

export interface Fault {
  fault: FaultKind;
  /** rate-limit / overloaded: the retry-after header, in seconds (default 1). */
  retryAfterS?: number;
  /** The retry-after-ms header, which the SDK prefers over retry-after. Default 10 on 429/529 so retries stay fast. */
  retryAfterMs?: number;
  /** cut-stream / stream-error / malformed-sse: how many SSE events to send first (default 3). */
  afterEvents?: number;
  /** refusal: stop_details.explanation. */
  explanation?: string;
}

export type Scripted = ScriptedReply | Fault;

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
  /** The request-id header the server answered with (req_local_<seq>). */
  requestId: string;
  outcome: 'reply' | 'fault' | 'unexpected' | 'rejected';
  fault?: FaultKind;
  /** Why the request was refused (400, 401 or 404). */
  rejection?: string;
}

/** Answers a POST /v1/messages when the queue is empty; undefined means "not scripted". */
export type Responder = (req: RecordedRequest) => Scripted | undefined;

export interface LocalServerOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default anthropic. openrouter drops `thinking` / `output_config` and strips thinking from replies. */
  mode?: 'anthropic' | 'openrouter';
  /** Default 0 / 0. */
  latency?: { ttftMs?: number; perTokenMs?: number };
  /** Used when the queue is empty. */
  responder?: Responder;
  /** Model id prefix -> top-level params that model rejects with a 400. */
  rejectParams?: Record<string, string[]>;
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
  /** Clears the queue and the log, and numbers requests from 1 again. */
  reset(): void;
  close(): Promise<void>;
}
