import type { Scenario } from '../scenario/scenario.js';
import type { Attempt, Block, Usage } from '../transcript/format.js';

/** The Messages API request body driftbench sends (always streamed by the SDK providers). */
export interface MessageParams {
  model: string;
  max_tokens: number;
  messages: Array<{ role: 'user' | 'assistant'; content: string | Array<Record<string, unknown>> }>;
  system?: string | Array<Record<string, unknown>>;
  [param: string]: unknown;
}

export interface SendContext {
  scenario: Scenario;
  step: number;
  /** Aborts the request in flight (hard stop). */
  signal?: AbortSignal;
  /** Sees every HTTP attempt as it happens (adaptive concurrency listens for 429s). */
  onAttempt?: (a: Attempt) => void;
  /** Awaited before every HTTP attempt, the SDK's own retries included (a rate-limit pause). */
  beforeAttempt?: () => Promise<void>;
  /** Asked before a turn is retried after its stream broke; false stops the retries (budget). */
  beforeRetry?: () => boolean | Promise<boolean>;
}

export interface ProviderReply {
  id: string | null;
  model: string | null;
  requestId: string | null;
  content: Block[];
  stopReason: string | null;
  stopDetails: Record<string, unknown> | null;
  usage: Usage;
  ttftMs: number | null;
  latencyMs: number;
  attempts: Attempt[];
  /** The provider's own cost figure (OpenRouter's usage.cost), when it reports one. */
  providerCostUsd: number | null;
}

/** A turn that failed for good: retries spent, or an error that retrying cannot fix. */
export class TurnFailed extends Error {
  override readonly name = 'TurnFailed';
  constructor(
    message: string,
    readonly attempts: Attempt[],
    readonly status: number | null,
    readonly type: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One result line of a Message Batch, as the API returns it. */
export type BatchResult =
  | { type: 'succeeded'; message: { id?: string; model?: string; content: Block[]; stop_reason: string | null; stop_details?: Record<string, unknown> | null; usage: Record<string, unknown> } }
  | { type: 'errored'; error: { error?: { type?: string; message?: string } } }
  | { type: 'expired' }
  | { type: 'canceled' };

/** The Message Batches API, where a provider has it. */
export interface BatchApi {
  create(requests: Array<{ custom_id: string; params: MessageParams }>): Promise<{ id: string }>;
  status(id: string): Promise<'in_progress' | 'canceling' | 'ended'>;
  results(id: string): AsyncIterable<{ custom_id: string; result: BatchResult }>;
}

export interface Provider {
  /** Present when the provider has the Message Batches API (--batch). */
  readonly batches?: BatchApi;
  readonly name: string;
  /** Where requests go, without credentials; null for providers that make no requests. */
  readonly baseUrl: string | null;
  send(params: MessageParams, ctx: SendContext): Promise<ProviderReply>;
  /** Input tokens of a request, from the provider's count_tokens endpoint, where it has one. */
  countTokens?(params: Pick<MessageParams, 'model' | 'system' | 'messages'>): Promise<number>;
  /** The name this provider's API uses for a model (OpenRouter: anthropic/claude-opus-4.7). */
  apiModel?(model: string, aliases: readonly string[]): string;
}

export interface ProviderOptions {
  env: NodeJS.ProcessEnv;
  baseUrl?: string;
  maxRetries: number;
  /** Base delay of the backoff between retries of a turn whose stream broke. */
  retryBaseMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type ProviderFactory = (opts: ProviderOptions) => Provider;
