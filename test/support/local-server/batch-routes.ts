import type { ServerResponse } from 'node:http';
import type { BatchStore } from './batches.js';
import { rejectRequest, sendJson } from './http.js';
import { held } from './sse.js';
import { validate } from './validate.js';
import type { RecordedRequest, Scripted } from './types.js';

/** /v1/messages/batches[/<id>[/results|/cancel]], also under /api like the Messages API. */
const BATCH_PATH = /^(\/api)?\/v1\/messages\/batches(?:\/([^/]+)(?:\/(results|cancel))?)?$/u;
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/u;
const MAX_REQUESTS = 100_000;

export interface BatchRoute {
  /** '' or '/api': kept in results_url so a client finds the results where it made the batch. */
  prefix: string;
  id?: string;
  action?: 'results' | 'cancel';
}

export function matchBatchRoute(path: string): BatchRoute | undefined {
  const match = BATCH_PATH.exec(path);
  if (match === null) return undefined;
  const route: BatchRoute = { prefix: match[1] ?? '' };
  if (match[2] !== undefined) route.id = decodeURIComponent(match[2]);
  if (match[3] === 'results' || match[3] === 'cancel') route.action = match[3];
  return route;
}

export interface BatchDeps {
  store: BatchStore;
  /** The results file stalls after its first line (LocalServerOptions.stallBatchResults). */
  stallResults: boolean;
  /** Aborted when the server closes. */
  signal: AbortSignal;
  rejectParams: Record<string, string[]>;
  rules: 'today' | 'off';
  /** 'http://127.0.0.1:PORT' */
  baseUrl: string;
  /** The queue, then the responder: the same source POST /v1/messages draws from. */
  next: (rec: RecordedRequest) => Scripted | undefined;
}

/** Answers an authorized request to a batch route. */
export function answerBatch(rec: RecordedRequest, res: ServerResponse, route: BatchRoute, deps: BatchDeps): void {
  const { store } = deps;
  const notFound = () => rejectRequest(rec, res, 404, 'not_found_error', `Not found: ${rec.method} ${rec.path}`);
  const reply = (body: unknown) => {
    rec.outcome = 'reply';
    sendJson(res, 200, body);
  };
  const key = `${rec.method} ${route.id === undefined ? 'batches' : 'batch'}${route.action ? `/${route.action}` : ''}`;
  switch (key) {
    case 'POST batches':
      return createBatch(rec, res, route, deps);
    case 'GET batches': {
      const data = store.list();
      return reply({ data, has_more: false, first_id: data[0]?.['id'] ?? null, last_id: data.at(-1)?.['id'] ?? null });
    }
  }
  const id = route.id ?? '';
  switch (key) {
    case 'GET batch': {
      const batch = store.retrieve(id);
      return batch === undefined ? notFound() : reply(batch);
    }
    case 'POST batch/cancel': {
      const batch = store.cancel(id);
      return batch === undefined ? notFound() : reply(batch);
    }
    case 'DELETE batch': {
      const outcome = store.delete(id);
      if (outcome === 'processing') {
        return rejectRequest(rec, res, 400, 'invalid_request_error', `Batch ${id} cannot be deleted while it is processing; cancel it first.`);
      }
      return outcome === 'not-found' ? notFound() : reply({ id, type: 'message_batch_deleted' });
    }
    case 'GET batch/results': {
      // Results exist only once processing has ended.
      const results = store.results(id);
      if (results === undefined) return notFound();
      rec.outcome = 'reply';
      res.writeHead(200, { 'content-type': 'application/binary' });
      const text = results.map((line) => `${JSON.stringify(line)}\n`);
      if (!deps.stallResults) return void res.end(text.join(''));
      res.write(text[0] ?? '');
      return void held(res, deps.signal);
    }
  }
  return notFound();
}

function createBatch(rec: RecordedRequest, res: ServerResponse, route: BatchRoute, deps: BatchDeps): void {
  const body: unknown = rec.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return rejectRequest(rec, res, 400, 'invalid_request_error', 'There was an error parsing the body');
  }
  const problem = checkRequests((body as { requests?: unknown }).requests, deps);
  if (problem !== undefined) return rejectRequest(rec, res, 400, 'invalid_request_error', problem);

  const requests = (body as { requests: Array<{ custom_id: string; params: Record<string, unknown> }> }).requests;
  const { batch, unscripted } = deps.store.create({
    requests,
    seq: rec.seq,
    apiVersion: rec.headers['anthropic-version'],
    resultsUrl: (id) => `${deps.baseUrl}${route.prefix}/v1/messages/batches/${id}/results`,
    // The responder sees each item as the Messages API request it stands for.
    next: (params) => deps.next({ ...rec, path: `${route.prefix}/v1/messages`, body: params }),
  });
  // The batch is accepted either way, but an item nobody scripted is a test bug: keep it visible.
  rec.outcome = unscripted > 0 ? 'unexpected' : 'reply';
  sendJson(res, 200, batch);
}

/**
 * The API's 400s for a batch: each custom_id well-formed and unique, each params a valid
 * Messages request. A model's rules (rules 'today') are checked per item while the batch is
 * processed, and a refused item ends errored (batches.ts).
 */
function checkRequests(requests: unknown, { rejectParams, rules }: BatchDeps): string | undefined {
  if (!Array.isArray(requests)) return 'requests: Field required';
  if (requests.length === 0) return 'requests: List should have at least 1 item after validation, not 0';
  if (requests.length > MAX_REQUESTS) return `requests: List should have at most ${MAX_REQUESTS} items after validation, not ${requests.length}`;
  const seen = new Set<string>();
  for (const [i, item] of requests.entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return `requests.${i}: Input should be a valid dictionary`;
    const { custom_id: customId, params } = item as { custom_id?: unknown; params?: unknown };
    if (customId === undefined) return `requests.${i}.custom_id: Field required`;
    if (typeof customId !== 'string' || !CUSTOM_ID.test(customId)) {
      return `requests.${i}.custom_id: String should match pattern '${CUSTOM_ID.source}'`;
    }
    if (seen.has(customId)) return `requests: custom_id values must be unique within a batch; "${customId}" appears more than once`;
    seen.add(customId);
    if (params === null || typeof params !== 'object' || Array.isArray(params)) return `requests.${i}.params: Field required`;
    const problem = validate(params as Record<string, unknown>, { countTokens: false, rejectParams, rules });
    if (problem !== undefined) {
      // Field errors name their field; sentence errors follow the item's path.
      return /^[a-z_][\w.]*: /u.test(problem) ? `requests.${i}.params.${problem}` : `requests.${i}.params: ${problem}`;
    }
  }
  return undefined;
}
