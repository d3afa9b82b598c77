import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { planReply, signThinking, writeSse, type StreamEnding } from './sse.js';
import type { Fault, FaultKind, LocalServer, LocalServerOptions, RecordedRequest, Scripted, ScriptedReply } from './types.js';

/** Opus 4.7 rejects sampling parameters with a 400, so a client must leave them out for it. */
const DEFAULT_REJECT_PARAMS: Record<string, string[]> = {
  'claude-opus-4-7': ['temperature', 'top_p', 'top_k'],
  'claude-opus-4-8': ['temperature', 'top_p', 'top_k'],
};

const MESSAGES_PATHS = new Set(['/v1/messages', '/api/v1/messages']);
const COUNT_TOKENS_PATHS = new Set(['/v1/messages/count_tokens', '/api/v1/messages/count_tokens']);
const NOTHING_SCRIPTED = 'local server: no scripted reply for this request';
const REFUSAL_TEXT = "I can't help with that.";

type ErrorType =
  | 'rate_limit_error'
  | 'overloaded_error'
  | 'api_error'
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error';

interface Settings {
  mode: 'anthropic' | 'openrouter';
  ttftMs: number;
  perTokenMs: number;
  rejectParams: Record<string, string[]>;
  signal: AbortSignal;
}

export async function startLocalServer(opts: LocalServerOptions = {}): Promise<LocalServer> {
  const queue: Scripted[] = [];
  const requests: RecordedRequest[] = [];
  let seq = 0;
  const sockets = new Set<Socket>();
  const closing = new AbortController();
  const settings: Settings = {
    mode: opts.mode ?? 'anthropic',
    ttftMs: opts.latency?.ttftMs ?? 0,
    perTokenMs: opts.latency?.perTokenMs ?? 0,
    rejectParams: opts.rejectParams ?? DEFAULT_REJECT_PARAMS,
    signal: closing.signal,
  };

  const server = createServer((req, res) => {
    res.on('error', () => {}); // a client that hangs up mid-stream is not a server failure
    void readBody(req)
      .then((raw) => {
        const rec = record(req, raw, ++seq);
        requests.push(rec);
        res.setHeader('request-id', rec.requestId);
        const next = () => queue.shift() ?? opts.responder?.(rec);
        return answer(rec, raw, res, next, settings);
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

  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    messageRequests: () => requests.filter((r) => r.method === 'POST' && MESSAGES_PATHS.has(r.path)),
    enqueue: (...items) => void queue.push(...items),
    unexpected: () => requests.filter((r) => r.outcome === 'unexpected'),
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      seq = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        // server.close() waits for keep-alive connections; tests should not.
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function record(req: IncomingMessage, raw: string, seq: number): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    seq,
    method: req.method ?? 'GET',
    path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname,
    headers,
    body: parseJson(raw),
    receivedAt: Date.now(),
    requestId: `req_local_${seq}`,
    // Pessimistic until something answers it: the log never claims a reply that was not sent.
    outcome: 'unexpected',
  };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

async function answer(
  rec: RecordedRequest,
  raw: string,
  res: ServerResponse,
  next: () => Scripted | undefined,
  settings: Settings,
): Promise<void> {
  const reject = (status: number, type: ErrorType, message: string) => {
    rec.outcome = 'rejected';
    rec.rejection = message;
    sendError(res, status, type, message, rec.requestId);
  };
  const isMessages = MESSAGES_PATHS.has(rec.path);
  if (rec.method !== 'POST' || (!isMessages && !COUNT_TOKENS_PATHS.has(rec.path))) {
    return reject(404, 'not_found_error', `Not found: ${rec.method} ${rec.path}`);
  }
  if (!rec.headers['x-api-key'] && !/^Bearer \S/u.test(rec.headers['authorization'] ?? '')) {
    return reject(401, 'authentication_error', 'x-api-key header is required');
  }
  if (rec.body === null || typeof rec.body !== 'object' || Array.isArray(rec.body)) {
    return reject(400, 'invalid_request_error', raw.trim() === '' ? 'body: Field required' : 'There was an error parsing the body');
  }
  const problem = validate(rec.body, { countTokens: !isMessages, rejectParams: settings.rejectParams });
  if (problem !== undefined) return reject(400, 'invalid_request_error', problem);

  const inputTokens = estimateInputTokens(rec.body);
  if (!isMessages) {
    rec.outcome = 'reply';
    return sendJson(res, 200, { input_tokens: inputTokens });
  }

  const scripted = next();
  if (scripted === undefined) {
    rec.outcome = 'unexpected';
    return sendError(res, 500, 'api_error', NOTHING_SCRIPTED, rec.requestId);
  }
  const fault = 'fault' in scripted ? scripted : undefined;
  rec.outcome = fault ? 'fault' : 'reply';
  if (fault) rec.fault = fault.fault;

  const retryHeaders = (f: Fault) => ({ 'retry-after': String(f.retryAfterS ?? 1), 'retry-after-ms': String(f.retryAfterMs ?? 10) });
  switch (fault?.fault) {
    case 'rate-limit':
      return sendError(res, 429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', rec.requestId, retryHeaders(fault));
    case 'overloaded':
      return sendError(res, 529, 'overloaded_error', 'Overloaded', rec.requestId, retryHeaders(fault));
    case 'server-error': {
      const headers: Record<string, string> = fault.retryAfterMs === undefined ? {} : { 'retry-after-ms': String(fault.retryAfterMs) };
      return sendError(res, 500, 'api_error', 'Internal server error', rec.requestId, headers);
    }
  }

  const reply = fault ? faultReply(fault) : (scripted as ScriptedReply);
  const shown = settings.mode === 'openrouter' ? withoutThinking(reply) : reply;
  const plan = planReply(shown, { messageId: `msg_local_${rec.seq}`, model: String(rec.body.model), inputTokens });
  const streamFault = fault && isStreamFault(fault.fault) ? fault.fault : undefined;

  if (rec.body.stream === true) {
    const ending: StreamEnding = streamFault ? { kind: streamFault, afterEvents: fault?.afterEvents ?? 3 } : { kind: 'complete' };
    return writeSse(res, plan.events, ending, settings);
  }

  // Non-streaming: the whole generation time passes before the body is sent.
  const waitMs = plan.tokenCount === 0 ? 0 : settings.ttftMs + settings.perTokenMs * (plan.tokenCount - 1);
  if (waitMs > 0) await sleep(waitMs, undefined, { signal: settings.signal });
  switch (streamFault) {
    case 'stream-error':
      // A non-streaming request has no event channel for a mid-generation error: it surfaces as a 529.
      return sendError(res, 529, 'overloaded_error', 'Overloaded', rec.requestId);
    case 'malformed-sse':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{not json');
    case 'cut-stream': {
      const body = JSON.stringify(plan.message);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(body.slice(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    }
  }
  return sendJson(res, 200, plan.message);
}

function isStreamFault(kind: FaultKind): kind is Exclude<StreamEnding['kind'], 'complete'> {
  return kind === 'cut-stream' || kind === 'stream-error' || kind === 'malformed-sse';
}

/** What the stream faults stream before they fail, and what a refusal says. */
function faultReply(fault: Fault): ScriptedReply {
  if (fault.fault === 'refusal') {
    return {
      content: [{ type: 'text', text: REFUSAL_TEXT }],
      stop_reason: 'refusal',
      stop_details: { type: 'refusal', category: null, explanation: fault.explanation ?? null },
    };
  }
  const words = Array.from({ length: Math.max(fault.afterEvents ?? 3, 8) }, (_, i) => `partial${i + 1}`);
  return { content: [{ type: 'text', text: words.join(' ') }] };
}

/** OpenRouter drops reasoning it was not asked for in its own format: only text reaches the client. */
function withoutThinking(reply: ScriptedReply): ScriptedReply {
  return { ...reply, content: reply.content.filter((b) => b.type === 'text') };
}

interface ValidateOptions {
  countTokens: boolean;
  rejectParams: Record<string, string[]>;
}

/** The real API's 400s that a client bug can trigger; undefined when the body is acceptable. */
function validate(body: Record<string, unknown>, opts: ValidateOptions): string | undefined {
  if (typeof body['model'] !== 'string' || body['model'] === '') return 'model: Field required';
  if (!opts.countTokens && !Number.isInteger(body['max_tokens'])) return 'max_tokens: Field required';
  const messages = body['messages'];
  if (!Array.isArray(messages)) return 'messages: Field required';
  if (messages.length === 0) return 'messages: at least one message is required';
  for (const [i, m] of messages.entries()) {
    const role = (m as { role?: unknown } | null)?.role;
    if (role !== 'user' && role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (i === 0 && role !== 'user') return 'messages: first message must use the "user" role';
    const previous = i > 0 ? (messages[i - 1] as { role: string }).role : undefined;
    if (previous === role) return `messages: roles must alternate between "user" and "assistant", but found multiple "${role}" roles in a row`;
    const problem = role === 'assistant' ? checkSignatures((m as { content?: unknown }).content, i) : undefined;
    if (problem) return problem;
  }
  const model = body['model'];
  for (const [prefix, params] of Object.entries(opts.rejectParams)) {
    if (!model.startsWith(prefix)) continue;
    const sent = params.find((p) => p in body);
    if (sent) return `${sent} is not supported for this model`;
  }
  return undefined;
}

/** Thinking blocks must come back exactly as they were sent: same text, same signature. */
function checkSignatures(content: unknown, messageIndex: number): string | undefined {
  if (!Array.isArray(content)) return undefined;
  for (const [j, block] of content.entries()) {
    const b = block as { type?: unknown; thinking?: unknown; signature?: unknown } | null;
    if (b?.type !== 'thinking') continue;
    if (typeof b.thinking !== 'string' || b.signature !== signThinking(b.thinking)) {
      return `messages.${messageIndex}.content.${j}: Invalid signature in thinking block`;
    }
  }
  return undefined;
}

/** A rough count, ceil(chars / 4) over the system prompt and every message's text. */
export function estimateInputTokens(body: Record<string, unknown>): number {
  let chars = textOf(body['system']).length;
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  for (const m of messages) chars += textOf((m as { content?: unknown } | null)?.content).length;
  return Math.ceil(chars / 4);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block) => {
      const b = block as { text?: unknown; thinking?: unknown; content?: unknown } | null;
      if (typeof b?.text === 'string') return b.text;
      if (typeof b?.thinking === 'string') return b.thinking;
      return textOf(b?.content); // tool_result blocks nest their content
    })
    .join('');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  status: number,
  type: ErrorType,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { type: 'error', error: { type, message }, request_id: requestId }, headers);
}
