import { setMaxListeners } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { answerBatch, matchBatchRoute, type BatchDeps } from './batch-routes.js';
import { BatchStore } from './batches.js';
import { isAuthorized, readBody, record, rejectRequest, sendError, sendJson } from './http.js';
import { answerMessage, type Settings } from './messages.js';
import { checkModelRules } from './model-rules.js';
import { answerModels, matchModelsRoute } from './models-api.js';
import { forward } from './openrouter.js';
import { PromptCache } from './prompt-cache.js';
import { RateLimiter } from './rate-limit.js';
import { estimateInputTokens } from './tokens.js';
import { DEFAULT_REJECT_PARAMS, validate } from './validate.js';
import type { LocalServer, LocalServerOptions, RecordedRequest, Scripted } from './types.js';

export { estimateInputTokens } from './tokens.js';

const MESSAGES_PATHS = new Set(['/v1/messages', '/api/v1/messages']);
const COUNT_TOKENS_PATHS = new Set(['/v1/messages/count_tokens', '/api/v1/messages/count_tokens']);

/** Everything a request is answered with. */
interface Deps {
  settings: Settings;
  modelsApi: boolean;
  limiter: RateLimiter;
  batches: BatchDeps;
  next: (rec: RecordedRequest) => Scripted | undefined;
  hold?: (rec: RecordedRequest) => Promise<void> | undefined;
}

/**
 * Starts the local Anthropic-compatible server: the Messages API (streaming or not), token
 * counting, Message Batches and the Models API, answered from a queue of scripted replies and
 * faults, with optional latency, rate limits and an emulated prompt cache. It records every
 * request and answers one nobody scripted with a loud 500.
 *
 * Two rule sets (`rules`):
 * - 'today' (the default): each model line's rules from the server's own model table (models.ts, every
 *   fact with its doc page; deliberately not the engine's model-profiles.json, so a test fails
 *   when the engine assumes the wrong rules). Unknown and retired models are 404s; sampling
 *   parameters follow the request's anthropic-version; thinking types, efforts, max_tokens and
 *   mid-conversation system messages are checked per model (model-rules.ts); the 5.x line
 *   thinks when not told otherwise and shows it `omitted` by default (model-thinking.ts);
 *   thinking blocks are bound to model, system prompt, tools and conversation prefix on the
 *   preserved-thinking models (thinking-binding.ts); every messages response carries the
 *   anthropic-ratelimit-* headers, and usage carries today's fields.
 * - 'off': an Anthropic-compatible endpoint that is not Anthropic: any model id is answered,
 *   thinking and parameters pass as sent, signatures only seal the thinking text, usage has the
 *   token counts. The server's own mechanics are tested under it.
 * Either way a scripted reply may name another model (a fallback answering) and end with
 * pause_turn or model_context_window_exceeded. Openrouter mode puts OpenRouter's endpoint in
 * front of either rule set, and `dropParams` plays an endpoint that ignores effort or thinking
 * without saying so (openrouter.ts).
 */
export async function startLocalServer(opts: LocalServerOptions = {}): Promise<LocalServer> {
  const rules = opts.rules ?? 'today';
  const queue: Scripted[] = [];
  const requests: RecordedRequest[] = [];
  let seq = 0;
  const sockets = new Set<Socket>();
  const closing = new AbortController();
  // Every paced reply and rate-limit wait listens on this one signal; dozens at once are expected.
  setMaxListeners(0, closing.signal);
  const settings: Settings = {
    mode: opts.mode ?? 'anthropic',
    dropParams: opts.dropParams ?? [],
    ttftMs: opts.latency?.ttftMs ?? 0,
    perTokenMs: opts.latency?.perTokenMs ?? 0,
    // Under 'today' the model table decides; params named here are refused on top of it.
    rejectParams: opts.rejectParams ?? (rules === 'today' ? {} : DEFAULT_REJECT_PARAMS),
    rules,
    cache: new PromptCache(opts.cacheMinTokens ?? 0),
    signal: closing.signal,
  };
  // Today's API sends every anthropic-ratelimit-* header on every messages response.
  const limiter = new RateLimiter(opts.rateLimit, rules === 'today' ? 'all' : 'configured');
  const store = new BatchStore(opts.batchLatencyMs ?? 0, settings);
  const next = (rec: RecordedRequest) => queue.shift() ?? opts.responder?.(rec);
  let deps: Deps | undefined;
  // Tests waiting for the n-th request of a kind (waitForRequests), checked as each one is logged.
  const waiting = new Set<{ n: number; match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest[]) => void; reject: (e: Error) => void }>();
  const wakeWaiting = () => {
    for (const w of waiting) {
      const hits = requests.filter(w.match);
      if (hits.length < w.n) continue;
      waiting.delete(w);
      w.resolve(hits.slice(0, w.n));
    }
  };

  const server = createServer((req, res) => {
    res.on('error', () => {}); // a client that hangs up mid-stream is not a server failure
    const arrived = performance.now();
    void readBody(req)
      .then((raw) => {
        const rec = record(req, raw, ++seq, arrived);
        requests.push(rec);
        wakeWaiting();
        res.setHeader('request-id', rec.requestId);
        if (deps === undefined) throw new Error('request before the server was listening');
        return route(rec, raw, res, deps);
      })
      .catch((err: unknown) => {
        if (settings.signal.aborted || res.destroyed) return;
        if (res.headersSent) res.destroy();
        else sendError(res, 500, 'api_error', `local server: ${String(err)}`, String(res.getHeader('request-id') ?? ''));
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('local server: no TCP address');
  const url = `http://127.0.0.1:${address.port}`;
  deps = {
    settings,
    modelsApi: opts.modelsApi ?? true,
    limiter,
    next,
    hold: opts.hold,
    batches: { store, stallResults: opts.stallBatchResults ?? false, signal: settings.signal, rejectParams: settings.rejectParams, rules, baseUrl: url, next },
  };

  return {
    url,
    port: address.port,
    requests,
    messageRequests: () => requests.filter((r) => r.method === 'POST' && MESSAGES_PATHS.has(r.path)),
    enqueue: (...items) => void queue.push(...items),
    unexpected: () => requests.filter((r) => r.outcome === 'unexpected'),
    stats: () => limiter.stats(),
    batches: () => store.recorded(),
    waitForRequests: (n, match = () => true) =>
      new Promise((resolve, reject) => {
        waiting.add({ n, match, resolve, reject });
        wakeWaiting();
      }),
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      seq = 0;
      settings.cache.clear();
      store.clear();
      limiter.reset();
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        for (const w of waiting) w.reject(new Error(`local server closed before request ${w.n} of those waited for arrived`));
        waiting.clear();
        server.close(() => resolve());
        // server.close() waits for keep-alive connections; tests should not.
        for (const socket of sockets) socket.destroy();
      }),
  };
}

async function route(rec: RecordedRequest, raw: string, res: ServerResponse, deps: Deps): Promise<void> {
  const batchRoute = matchBatchRoute(rec.path);
  // Without a Models API (modelsApi: false), /v1/models is just an unknown path.
  const modelsRoute = rec.method === 'GET' && deps.modelsApi ? matchModelsRoute(rec.path) : undefined;
  const isMessages = MESSAGES_PATHS.has(rec.path);
  const known = batchRoute !== undefined || modelsRoute !== undefined || (rec.method === 'POST' && (isMessages || COUNT_TOKENS_PATHS.has(rec.path)));
  if (!known) return rejectRequest(rec, res, 404, 'not_found_error', `Not found: ${rec.method} ${rec.path}`);
  if (!isAuthorized(rec)) return rejectRequest(rec, res, 401, 'authentication_error', 'x-api-key header is required');
  if (batchRoute !== undefined) return answerBatch(rec, res, batchRoute, deps.batches);
  if (modelsRoute !== undefined) return answerModels(rec, res, modelsRoute);

  if (isMessages) {
    // Rate limits come before validation: the API counts a request it then refuses.
    const inputTokens = rec.body !== null && typeof rec.body === 'object' ? estimateInputTokens(rec.body) : 0;
    const admission = deps.limiter.admit(inputTokens);
    for (const [name, value] of Object.entries(admission.headers)) res.setHeader(name, value);
    if (!admission.ok) {
      rec.outcome = 'fault';
      rec.fault = 'rate-limit';
      return sendError(res, 429, 'rate_limit_error', admission.message, rec.requestId);
    }
    // 'close' fires once the answer is complete or the client has gone: the slot is free either way.
    res.once('close', admission.release);
  }

  if (rec.body === null || typeof rec.body !== 'object' || Array.isArray(rec.body)) {
    return rejectRequest(rec, res, 400, 'invalid_request_error', raw.trim() === '' ? 'body: Field required' : 'There was an error parsing the body');
  }
  const problem = validate(rec.body, { countTokens: !isMessages, rejectParams: deps.settings.rejectParams, rules: deps.settings.rules });
  if (problem !== undefined) return rejectRequest(rec, res, 400, 'invalid_request_error', problem);
  if (!isMessages) {
    if (deps.settings.rules === 'today') {
      const verdict = checkModelRules(rec.body, { apiVersion: rec.headers['anthropic-version'], countTokens: true });
      if (!verdict.ok) return rejectRequest(rec, res, verdict.status, verdict.type, verdict.message);
    }
    rec.outcome = 'reply';
    return sendJson(res, 200, { input_tokens: estimateInputTokens(rec.body) });
  }

  // What the model receives: OpenRouter's rewriting (openrouter mode) and any dropped parameters.
  const target = forward(rec.body, deps.settings);
  if (!target.ok) return rejectRequest(rec, res, target.status, target.type, target.message);
  if (target.body !== rec.body) rec.forwarded = target.body;
  if (deps.settings.rules === 'today') {
    const prefixCheck = deps.settings.mode === 'openrouter' ? 'not-enforced' : 'enforced';
    const verdict = checkModelRules(target.body, { apiVersion: rec.headers['anthropic-version'], countTokens: false, prefixCheck });
    if (!verdict.ok) return rejectRequest(rec, res, verdict.status, verdict.type, verdict.message);
    if (verdict.dropped.length > 0) rec.droppedThinking = verdict.dropped;
  }
  await deps.hold?.(rec);
  if (res.destroyed || deps.settings.signal.aborted) {
    rec.outcome = 'rejected';
    rec.rejection = 'the client hung up while its reply was held';
    return;
  }
  // A responder plays the model, so it sees the request as forwarded.
  const scripted = deps.next(target.body === rec.body ? rec : { ...rec, body: target.body });
  return answerMessage(rec, res, scripted, deps.settings, target);
}
