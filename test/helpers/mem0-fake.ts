import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the parts of Mem0's hosted REST API that `mem0ai`'s MemoryClient calls
 * when driftbench adds and searches memories (read from mem0ai 3.3.1's dist/index.mjs):
 *
 *   GET  /v1/ping/            the constructor's key check; answers who the key belongs to
 *   POST /v3/memories/add/    { messages, user_id }            -> queued, like the real async add
 *   POST /v3/memories/search/ { query, filters: { user_id }, top_k, output_format } -> { results }
 *
 * Every request needs `Authorization: Token <key>`. The fake does no extraction: each added
 * message becomes one memory, stored verbatim under its user_id and searchable at once (the real
 * service runs an LLM over the exchange in the background). Search returns that user's memories
 * sharing at least one word (four letters or more) with the query, most shared words first.
 * Anything else is answered 404 and kept in `unexpected()`, so a test can insist there was none.
 */
export interface Mem0FakeRequest {
  method: string;
  /** Path and query string, as sent. */
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface Mem0Fake {
  url: string;
  /** Every request, in the order it arrived. */
  requests: Mem0FakeRequest[];
  /** Requests that matched no endpoint the fake implements (each was answered 404). */
  unexpected(): Mem0FakeRequest[];
  /** Resolves once `n` requests have arrived (at once if they have); rejects if the fake is closed first. */
  waitForRequests(n: number): Promise<void>;
  close(): Promise<void>;
}

interface StoredMemory {
  id: string;
  memory: string;
  user_id: string;
  created_at: string;
}

type Handler = (req: Mem0FakeRequest) => { status: number; body: unknown };

/** A scripted answer that replaces the fake's own: any status, any bytes (garbage included). */
export interface Mem0FakeFault {
  status: number;
  text: string;
  /** Default application/json, whatever `text` is. */
  contentType?: string;
}

export interface Mem0FakeOptions {
  /**
   * Asked about every authorised request before it is answered: a fault replaces the answer (a
   * 500, a 200 of garbage), undefined lets the fake answer as usual. The request still counts.
   */
  fault?: (req: Mem0FakeRequest) => Mem0FakeFault | undefined;
}

/** The conversation user a request is for (add: user_id; search: filters.user_id), if any. */
export function mem0UserOf(req: Mem0FakeRequest): string | undefined {
  const b = asRecord(req.body);
  const user = b['user_id'] ?? asRecord(b['filters'])['user_id'];
  return typeof user === 'string' ? user : undefined;
}

export async function startMem0Fake(opts: Mem0FakeOptions = {}): Promise<Mem0Fake> {
  const requests: Mem0FakeRequest[] = [];
  const unexpected: Mem0FakeRequest[] = [];
  const byUser = new Map<string, StoredMemory[]>();
  let memorySeq = 0;
  let eventSeq = 0;
  const waiting = new Set<{ n: number; resolve: () => void; reject: (e: Error) => void }>();
  const wakeWaiting = () => {
    for (const w of waiting) {
      if (requests.length < w.n) continue;
      waiting.delete(w);
      w.resolve();
    }
  };

  const routes: Record<string, Handler> = {
    'GET /v1/ping/': () => ({
      status: 200,
      body: { status: 'ok', org_id: 'org_fake', project_id: 'proj_fake', user_email: 'driftbench-fake@example.invalid' },
    }),

    'POST /v3/memories/add/': ({ body }) => {
      const b = asRecord(body);
      const userId = b['user_id'];
      const messages = b['messages'];
      if (typeof userId !== 'string' || userId === '') return badRequest('At least one of user_id, agent_id, app_id or run_id is required.');
      if (!Array.isArray(messages) || messages.length === 0) return badRequest('messages must be a non-empty array.');
      const stored = byUser.get(userId) ?? [];
      for (const m of messages) {
        const content = asRecord(m)['content'];
        if (typeof content !== 'string' || content.trim() === '') continue;
        stored.push({ id: `mem_fake_${++memorySeq}`, memory: content, user_id: userId, created_at: new Date(0).toISOString() });
      }
      byUser.set(userId, stored);
      // The shape of the real v3 add: processing is queued and tracked by an event.
      return { status: 200, body: { message: 'Memory processing has been queued for background execution', status: 'PENDING', event_id: `evt_fake_${++eventSeq}` } };
    },

    'POST /v3/memories/search/': ({ body }) => {
      const b = asRecord(body);
      const query = b['query'];
      const userId = asRecord(b['filters'])['user_id'];
      const topK = typeof b['top_k'] === 'number' ? b['top_k'] : 10;
      if (typeof query !== 'string') return badRequest('query is required.');
      if (typeof userId !== 'string' || userId === '') return badRequest('filters must name a user_id, agent_id, app_id or run_id.');
      const wanted = words(query);
      const results = (byUser.get(userId) ?? [])
        .map((m, order) => ({ m, order, shared: [...words(m.memory)].filter((w) => wanted.has(w)).length }))
        .filter((x) => x.shared > 0)
        .sort((a, b) => b.shared - a.shared || a.order - b.order)
        .slice(0, topK)
        .map(({ m, shared }) => ({ ...m, score: shared / Math.max(wanted.size, 1), metadata: null, categories: [] }));
      return { status: 200, body: { results } };
    },
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rec: Mem0FakeRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: flatHeaders(req), body: parseJson(await readBody(req)) };
    requests.push(rec);
    wakeWaiting();
    const route = routes[`${rec.method} ${new URL(rec.path, 'http://127.0.0.1').pathname}`];
    if (!route) {
      unexpected.push(rec);
      return send(res, 404, { detail: 'Not found.' });
    }
    // The real API's wording for a missing or malformed key.
    if (!/^Token \S+$/u.test(rec.headers['authorization'] ?? '')) return send(res, 401, { detail: 'Invalid token header. No credentials provided.' });
    const fault = opts.fault?.(rec);
    if (fault) {
      res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'application/json', 'content-length': Buffer.byteLength(fault.text) });
      res.end(fault.text);
      return;
    }
    const { status, body } = route(rec);
    send(res, status, body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unexpected: () => [...unexpected],
    waitForRequests: (n) =>
      new Promise((resolve, reject) => {
        waiting.add({ n, resolve, reject });
        wakeWaiting();
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const w of waiting) w.reject(new Error(`the Mem0 fake closed before request ${w.n} arrived`));
        waiting.clear();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Lower-case words of four letters or more: enough to skip "the" and "and" deterministically. */
function words(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 4));
}

function badRequest(message: string): { status: number; body: unknown } {
  return { status: 400, body: { error: '400 Bad Request', details: { message } } };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  if (raw === '') return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
