import { faultReply, NOTHING_SCRIPTED, planMessage, type Settings } from './messages.js';
import { checkModelRules } from './model-rules.js';
import type { RecordedBatch, Scripted } from './types.js';

/** One line of the results file: the API's MessageBatchIndividualResponse['result']. */
export type BatchResult =
  | { type: 'succeeded'; message: Record<string, unknown> }
  | { type: 'errored'; error: { type: 'error'; error: { type: string; message: string } } }
  | { type: 'expired' }
  | { type: 'canceled' };

interface BatchItem {
  custom_id: string;
  params: Record<string, unknown>;
  /** When processing reaches this item; a cancel before then cancels it. */
  dueAt: number;
  /** What the item ends with unless canceled; settled at create, so the queue is consumed in request order. */
  result: BatchResult;
}

interface Batch {
  id: string;
  createdAt: number;
  /** When processing ends unless canceled first. */
  endsAt: number;
  cancelAt?: number;
  resultsUrl: string;
  items: BatchItem[];
}

export interface NewBatch {
  requests: Array<{ custom_id: string; params: Record<string, unknown> }>;
  /** The create request's seq: names the batch's messages. */
  seq: number;
  /** The create request's anthropic-version header, which the items' rules follow. */
  apiVersion: string | undefined;
  /** Where the results will be served from. */
  resultsUrl: (id: string) => string;
  /** The next script for one item (queue, then responder); undefined when nothing is scripted. */
  next: (params: Record<string, unknown>) => Scripted | undefined;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Message batches held in memory. Processing is a clock, not work: the batch is in_progress
 * for batchLatencyMs, its items falling due one after another, and then it has ended.
 */
export class BatchStore {
  #batches: Batch[] = [];
  #count = 0;

  constructor(
    private readonly latencyMs: number,
    private readonly settings: Settings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the batch and settles every item; `unscripted` counts the items nothing was scripted for. */
  create(spec: NewBatch): { batch: Record<string, unknown>; unscripted: number } {
    const createdAt = this.now();
    const id = `msgbatch_local_${++this.#count}`;
    const n = spec.requests.length;
    let unscripted = 0;
    const items = spec.requests.map(({ custom_id, params }, i): BatchItem => {
      const dueAt = createdAt + (this.latencyMs * (i + 1)) / n;
      // Rules 'today': an item its model refuses ends errored, as the API reports params it
      // validates while processing, and consumes no script.
      const verdict = this.settings.rules === 'today' ? checkModelRules(params, { apiVersion: spec.apiVersion, countTokens: false }) : undefined;
      if (verdict !== undefined && !verdict.ok) return { custom_id, params, dueAt, result: errored(verdict.type, verdict.message) };
      const scripted = spec.next(params);
      if (scripted === undefined) unscripted++;
      const result = this.#settle(scripted, params, `msg_local_${spec.seq}_${i + 1}`);
      return { custom_id, params, dueAt, result };
    });
    const batch: Batch = { id, createdAt, endsAt: createdAt + this.latencyMs, resultsUrl: spec.resultsUrl(id), items };
    this.#batches.push(batch);
    // Even with no latency the API answers a create before it has processed anything.
    return { batch: this.#view(batch, createdAt, 'in_progress'), unscripted };
  }

  /** The MessageBatch object, or undefined for an unknown id. */
  retrieve(id: string): Record<string, unknown> | undefined {
    const batch = this.#find(id);
    return batch && this.#view(batch, this.now());
  }

  /** Newest first, as the API lists them. */
  list(): Array<Record<string, unknown>> {
    const now = this.now();
    return this.#batches.map((b) => this.#view(b, now)).reverse();
  }

  /**
   * Starts cancelling: the answer says canceling, and from then on the batch has ended with
   * every item that had not fallen due canceled. An ended batch is returned unchanged.
   */
  cancel(id: string): Record<string, unknown> | undefined {
    const batch = this.#find(id);
    if (batch === undefined) return undefined;
    const now = this.now();
    if (this.#hasEnded(batch, now)) return this.#view(batch, now);
    batch.cancelAt ??= now;
    return this.#view(batch, now, 'canceling');
  }

  /** 'deleted', or why not: an unknown id, or a batch still processing. */
  delete(id: string): 'deleted' | 'not-found' | 'processing' {
    const batch = this.#find(id);
    if (batch === undefined) return 'not-found';
    if (!this.#hasEnded(batch, this.now())) return 'processing';
    this.#batches = this.#batches.filter((b) => b !== batch);
    return 'deleted';
  }

  /** The results once the batch has ended; undefined before then or for an unknown id. */
  results(id: string): Array<{ custom_id: string; result: BatchResult }> | undefined {
    const batch = this.#find(id);
    if (batch === undefined || !this.#hasEnded(batch, this.now())) return undefined;
    return resultsOf(batch);
  }

  recorded(): RecordedBatch[] {
    const now = this.now();
    return this.#batches.map((b) => ({
      id: b.id,
      requests: b.items.map(({ custom_id, params }) => ({ custom_id, params })),
      results: this.#hasEnded(b, now) ? resultsOf(b) : [],
    }));
  }

  clear(): void {
    this.#batches = [];
    this.#count = 0;
  }

  #find(id: string): Batch | undefined {
    return this.#batches.find((b) => b.id === id);
  }

  #hasEnded(batch: Batch, now: number): boolean {
    return now >= endOf(batch);
  }

  /** The MessageBatch at `now`; `unfinished` shows it as it was the moment before it ended. */
  #view(batch: Batch, now: number, unfinished?: 'in_progress' | 'canceling'): Record<string, unknown> {
    const ended = unfinished === undefined && this.#hasEnded(batch, now);
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : (unfinished ?? 'in_progress'),
      // Items count as processing until the whole batch ends, as the API counts them.
      request_counts: counts(batch, ended ? resultsOf(batch) : undefined),
      ended_at: ended ? iso(endOf(batch)) : null,
      created_at: iso(batch.createdAt),
      expires_at: iso(batch.createdAt + DAY_MS),
      cancel_initiated_at: batch.cancelAt === undefined ? null : iso(batch.cancelAt),
      archived_at: null,
      results_url: ended ? batch.resultsUrl : null,
    };
  }

  /** A script becomes an item's result the way the API would have answered the same request. */
  #settle(scripted: Scripted | undefined, params: Record<string, unknown>, messageId: string): BatchResult {
    if (scripted === undefined) return errored('api_error', NOTHING_SCRIPTED);
    if ('batch' in scripted) {
      return scripted.batch === 'expired' ? { type: 'expired' } : errored(scripted.errorType ?? 'api_error', scripted.message ?? 'Internal server error');
    }
    if ('fault' in scripted && scripted.fault !== 'refusal') {
      switch (scripted.fault) {
        case 'rate-limit':
          return errored('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit');
        case 'overloaded':
        case 'stream-error':
          return errored('overloaded_error', 'Overloaded');
        default:
          // server-error, and the broken bodies of cut-stream and malformed-sse: the API saw an internal error.
          return errored('api_error', 'Internal server error');
      }
    }
    const reply = 'fault' in scripted ? faultReply(scripted) : scripted;
    const { message } = planMessage(reply, params, messageId, this.settings);
    // Batch messages are billed at the batch tier.
    const usage = { ...(message['usage'] as Record<string, unknown>), service_tier: 'batch' };
    return { type: 'succeeded', message: { ...message, usage } };
  }
}

function endOf(batch: Batch): number {
  return batch.cancelAt ?? batch.endsAt;
}

function resultsOf(batch: Batch): Array<{ custom_id: string; result: BatchResult }> {
  return batch.items.map((item) => ({
    custom_id: item.custom_id,
    result: batch.cancelAt !== undefined && item.dueAt > batch.cancelAt ? { type: 'canceled' } : item.result,
  }));
}

function counts(batch: Batch, results: Array<{ result: BatchResult }> | undefined): Record<string, number> {
  const tally = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  if (results === undefined) tally.processing = batch.items.length;
  else for (const { result } of results) tally[result.type]++;
  return tally;
}

function errored(type: string, message: string): BatchResult {
  return { type: 'errored', error: { type: 'error', error: { type, message } } };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
