// Generated from schemas/transcript.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * This interface was referenced by `Transcript`'s JSON-Schema
 * via the `definition` "safeName".
 */
export type SafeName = string;
/**
 * This interface was referenced by `Transcript`'s JSON-Schema
 * via the `definition` "effort".
 */
export type Effort = 'default' | 'standard' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';
/**
 * complete: every step answered. refused: a turn ended with stop_reason refusal, and the conversation stopped there. max_tokens: a reply was cut off, and the conversation stopped there. errored: a turn failed after its retries. stopped: the run was interrupted or hit its budget; resume continues it.
 *
 * This interface was referenced by `Transcript`'s JSON-Schema
 * via the `definition` "conversationStatus".
 */
export type ConversationStatus = 'pending' | 'running' | 'complete' | 'refused' | 'max_tokens' | 'errored' | 'stopped';

/**
 * One conversation of a run: everything needed to score, diff and audit it offline.
 */
export interface Transcript {
  format: 'driftbench.transcript/1';
  run_id: string;
  conversation_id: SafeName;
  scenario: {
    id: string;
    /**
     * sha256 of the scenario file the run used.
     */
    hash: string;
    title?: string;
    /**
     * The scenario's family: its template's id, or its own id.
     */
    family?: string;
    /**
     * For an instance of a template: the template and the values that made it.
     */
    instance?: {
      template: string;
      template_hash: string;
      values: {};
    };
  };
  cell: Cell;
  provider: {
    name: string;
    /**
     * Host (and port) of the endpoint; never a path, query or credential.
     */
    base_url_host: string | null;
  };
  model_requested: string;
  /**
   * The model the provider said answered (the last turn's).
   */
  model_returned: string | null;
  status: ConversationStatus;
  status_reason: string | null;
  started_at: string | null;
  ended_at: string | null;
  /**
   * The system prompt sent with every turn.
   */
  system: string | null;
  /**
   * Present when the transcript was imported from a published dataset instead of replayed.
   */
  imported?: {
    source: string;
    file?: string;
  };
  turns: Turn[];
  /**
   * The memory condition of the conversation (--condition) and where its memories came from; each turn's request.injected holds the text it added.
   */
  memory?: {
    condition: string;
    source: string;
  };
}
/**
 * This interface was referenced by `Transcript`'s JSON-Schema
 * via the `definition` "cell".
 */
export interface Cell {
  model: string;
  effort: Effort;
  repeat: number;
  condition?: string;
  distance?: number;
  /**
   * tokens: `distance` is a token budget of near-miss padding (--distance 50k); absent: a count of distractor exchanges.
   */
  distance_unit?: 'tokens';
}
/**
 * This interface was referenced by `Transcript`'s JSON-Schema
 * via the `definition` "turn".
 */
export interface Turn {
  step: number;
  /**
   * generated: the model answered; prefilled: sent as the scenario gives it; distractor: a near-miss exchange inserted by --distance, sent as given.
   */
  kind: 'generated' | 'prefilled' | 'distractor';
  /**
   * The user turn's text.
   */
  user: string;
  request: Request;
  response: Response | null;
  timing: {
    started_at: string | null;
    /**
     * Time to the first content delta of the successful attempt.
     */
    ttft_ms: number | null;
    /**
     * Total time of the successful attempt.
     */
    latency_ms: number | null;
  };
  /**
   * Every HTTP attempt for this turn, retries included, in order.
   */
  attempts: Attempt[];
  /**
   * Computed from the model profile's prices; null when the model has no profile.
   */
  cost_usd: number | null;
  /**
   * The provider's own figure, when it reports one (OpenRouter's usage.cost).
   */
  provider_cost_usd?: number | null;
  error: null | {
    type: string;
    message: string;
    status?: number | null;
  };
  /**
   * Present when the turn was answered through the Message Batches API.
   */
  batch?: {
    id: string;
    custom_id: string;
  };
}
/**
 * This interface was referenced by `Transcript`'s JSON-Schema
 * via the `definition` "request".
 */
export interface Request {
  /**
   * Every request parameter sent, except `messages` (the history is the earlier turns of this transcript; its hash is below). Never an API key or header.
   */
  params: {};
  message_count: number;
  /**
   * sha256 of the JSON of the messages array sent, to audit that the history was what this transcript says.
   */
  messages_sha256: string;
  dropped: {
    param: string;
    value: unknown;
    reason: string;
  }[];
  /**
   * What the cell asked for, before the profile filtered it.
   */
  requested: {
    effort: Effort;
    thinking: 'none' | 'adaptive';
  };
  /**
   * Text a memory layer added for this turn, exactly as sent.
   */
  injected?: string | null;
  /**
   * The effort level the model worked at: the level sent, or, where no effort was sent (default, standard), the model's own default from its profile. null where that is not known or the model takes no effort.
   */
  effective_effort?: 'low' | 'medium' | 'high' | 'xhigh' | 'max' | null;
  /**
   * Where the injected text went. system-message: a role 'system' message right after this turn's user message, kept there in every later request; user-preface: a delimited block before this turn's user text, kept likewise; system-prompt (transcripts written before the memory layers kept the prefix): appended to this turn's top-level system prompt only. Absent means system-prompt.
   */
  injected_as?: 'system-prompt' | 'system-message' | 'user-preface';
}
/**
 * This interface was referenced by `Transcript`'s JSON-Schema
 * via the `definition` "response".
 */
export interface Response {
  id: string | null;
  model: string | null;
  request_id?: string | null;
  content: Block[];
  stop_reason: string | null;
  stop_details: {} | null;
  usage: Usage;
}
/**
 * A response content block exactly as returned (thinking with its signature, redacted_thinking, text...).
 *
 * This interface was referenced by `Transcript`'s JSON-Schema
 * via the `definition` "block".
 */
export interface Block {
  type: string;
  text?: string;
  thinking?: string;
  signature?: string;
  data?: string;
}
/**
 * Usage as the API reported it: the four token counts (0 where the API gave null) and thinking_tokens (output_tokens_details.thinking_tokens), plus every other field it returned, kept as given (cache_creation's 5-minute/1-hour split, service_tier, inference_geo, speed, server_tool_use, and anything new).
 *
 * This interface was referenced by `Transcript`'s JSON-Schema
 * via the `definition` "usage".
 */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /**
   * output_tokens_details.thinking_tokens when the API reports it.
   */
  thinking_tokens: number | null;
  [k: string]: unknown;
}
/**
 * This interface was referenced by `Transcript`'s JSON-Schema
 * via the `definition` "attempt".
 */
export interface Attempt {
  at: string;
  outcome:
    'ok' | 'http-error' | 'connection-error' | 'stream-error' | 'batch-errored' | 'batch-expired' | 'batch-canceled';
  status?: number | null;
  request_id?: string | null;
  retry_after_s?: number | null;
  message?: string;
  /**
   * For an attempt that failed after its stream began: the worst-case cost the budget set aside for it, since what the provider billed is unknown.
   */
  charged_usd?: number;
}
