import type Anthropic from '@anthropic-ai/sdk';
import type { ModelsApi } from '../models/capabilities.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Attempt } from '../transcript/format.js';
import type { RateLimits } from './rate-limits.js';
import type { Timeouts } from './timeouts.js';

/**
 * The Messages API request body driftbench sends: the SDK's own type (streamed and batched alike),
 * plus the sampling parameters. The SDK's types no longer list those (the current models reject
 * them), but the models whose profiles accept them still take them, and the SDK sends any extra
 * body field as given ("Undocumented params" in its README).
 */
export type MessageParams = Anthropic.MessageCreateParamsNonStreaming & SamplingParams;

export interface SamplingParams {
  temperature?: number;
  top_p?: number;
  top_k?: number;
}

/** One result line of a Message Batch: the SDK's own type. */
export type BatchResultLine = Anthropic.Messages.Batches.MessageBatchIndividualResponse;

export interface SendContext {
  scenario: Scenario;
  step: number;
  /** Aborts the request in flight (hard stop). */
  signal?: AbortSignal;
  /** Sees every HTTP attempt as it happens (adaptive concurrency listens for 429s). */
  onAttempt?: (a: Attempt) => void;
  /** Awaited before every HTTP attempt, retries included (a rate-limit pause, pacing). */
  beforeAttempt?: () => Promise<void>;
  /**
   * Sees the anthropic-ratelimit-* headers of every HTTP response, successes and errors alike,
   * with its status, as soon as the headers arrive (before a stream's body): the request gate
   * paces on them. Empty when the response stated no limits.
   */
  onRateLimits?: (limits: RateLimits, status: number) => void;
  /** Asked before a turn is retried after its stream broke; false stops the retries (budget). */
  beforeRetry?: () => boolean | Promise<boolean>;
}

/** A streamed turn as it came back: the SDK's Message, and how it was obtained. */
export interface ProviderReply {
  message: Anthropic.Message;
  requestId: string | null;
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

/** The Message Batches API, where a provider has it. */
export interface BatchApi {
  create(requests: Array<{ custom_id: string; params: MessageParams }>): Promise<{ id: string }>;
  status(id: string): Promise<Anthropic.Messages.Batches.MessageBatch['processing_status']>;
  results(id: string): AsyncIterable<BatchResultLine>;
}

export interface Provider {
  /** Present when the provider has the Message Batches API (--batch). */
  readonly batches?: BatchApi;
  /** Present when the endpoint may have the Models API (GET /v1/models); capabilities.ts decides from its answers. */
  readonly models?: ModelsApi;
  readonly name: string;
  /** Where requests go, without credentials; null for providers that make no requests. */
  readonly baseUrl: string | null;
  send(params: MessageParams, ctx: SendContext): Promise<ProviderReply>;
  /** Input tokens of a request, from the provider's count_tokens endpoint, where it has one. */
  countTokens?(params: Pick<MessageParams, 'model' | 'system' | 'messages'>): Promise<number>;
  /** The name this provider's API uses for a model (OpenRouter: anthropic/claude-opus-5.5). */
  apiModel?(model: string, aliases: readonly string[]): string;
}

/** What every provider factory is given: resolved by the CLI, never read from process.env here. */
export interface ProviderOptions {
  /** The API key, when the provider needs one (the CLI reads it from the environment). */
  apiKey?: string;
  baseUrl?: string;
  /** Retries per turn after the first attempt (the retry policy, retry-policy.ts). */
  maxRetries: number;
  /** Base delay of the backoff between retries. */
  retryBaseMs?: number;
  /** HTTP(S)_PROXY / NO_PROXY as the user set them (proxy.ts). */
  proxy?: ProxySettings;
  /** The limits of one attempt (timeouts.ts); each one left out takes its default. */
  timeouts?: Partial<Timeouts>;
  /**
   * Every other secret the process was configured with (the other providers' keys, Mem0's): a
   * server's error text is scrubbed of them and of `apiKey` before anything keeps it (secrets.ts).
   */
  secrets?: readonly string[];
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

export type ProviderFactory = (opts: ProviderOptions) => Provider;
