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

export interface Provider {
  readonly name: string;
  /** Where requests go, without credentials; null for providers that make no requests. */
  readonly baseUrl: string | null;
  send(params: MessageParams, ctx: SendContext): Promise<ProviderReply>;
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
