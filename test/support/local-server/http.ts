import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedRequest } from './types.js';

/** The error types the local server answers with; the real API's names. */
export type ErrorType = 'rate_limit_error' | 'overloaded_error' | 'api_error' | 'invalid_request_error' | 'authentication_error' | 'not_found_error';

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function record(req: IncomingMessage, raw: string, seq: number, arrivedMs: number): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const rec: RecordedRequest = {
    seq,
    method: req.method ?? 'GET',
    path: url.pathname,
    headers,
    body: parseJson(raw),
    receivedAt: Date.now(),
    arrivedMs,
    requestId: `req_local_${seq}`,
    // Pessimistic until something answers it: the log never claims a reply that was not sent.
    outcome: 'unexpected',
  };
  // Only set when there is one, so the records of query-less requests keep their old shape.
  if (url.search !== '') rec.query = url.search.slice(1);
  return rec;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

export function isAuthorized(rec: RecordedRequest): boolean {
  return Boolean(rec.headers['x-api-key']) || /^Bearer \S/u.test(rec.headers['authorization'] ?? '');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, type: ErrorType, message: string, requestId: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { type: 'error', error: { type, message }, request_id: requestId }, headers);
}

/** Marks the request refused in the log and answers with the error. */
export function rejectRequest(rec: RecordedRequest, res: ServerResponse, status: number, type: ErrorType, message: string): void {
  rec.outcome = 'rejected';
  rec.rejection = message;
  sendError(res, status, type, message, rec.requestId);
}
