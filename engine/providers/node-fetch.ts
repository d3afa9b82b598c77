import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';

/**
 * The SDK's `fetch`, over node:http. Node's built-in fetch (undici) cost 0.6-0.8 ms of CPU per
 * streamed request more than node:http on these machines: at 20 conversations in flight that
 * share of the event loop delayed every turn behind it (BENCHMARKS.md, replay at scale). This is
 * what the SDK needs of a fetch and no more: a string or bytes body, an AbortSignal, and a WHATWG
 * `Response` whose body streams as the bytes arrive. Anything else goes to the global fetch, and
 * so does the next hop of a redirect, which undici follows.
 *
 * It behaves as undici does where the SDK can tell: a network failure rejects with
 * `TypeError('fetch failed', { cause })`, an abort with an `AbortError` DOMException, a body
 * cut off mid-stream errors the stream with `TypeError('terminated')`, responses are
 * decompressed (gzip, deflate, br) and `accept-encoding` is sent unless the caller set one.
 * Connections are kept alive and reused, as undici's pool does.
 */
export function createNodeFetch(): typeof fetch {
  // Node loads Headers, Response and web streams on first use, which took a run's first turns
  // about 20 ms of module loading; touching them here moves that to start-up.
  void new Response(new ReadableStream(), { headers: new Headers() });
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, scheduling: 'lifo' }),
    'https:': new HttpsAgent({ keepAlive: true, scheduling: 'lifo' }),
  };
  return (input, init) => {
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : undefined;
    const body = init?.body;
    const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer;
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || !plainBody) return fetch(input, init);
    return send(url, init ?? {}, body as string | Uint8Array | ArrayBuffer | null | undefined, agents[url.protocol]);
  };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function send(url: URL, init: RequestInit, body: string | Uint8Array | ArrayBuffer | null | undefined, agent: HttpAgent): Promise<Response> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  headers['accept-encoding'] ??= 'gzip, deflate, br';
  const bytes = body === undefined || body === null ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body instanceof ArrayBuffer ? new Uint8Array(body) : body);
  if (bytes !== undefined) headers['content-length'] = String(bytes.byteLength);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<Response>((resolve, reject) => {
    // One abort listener for the request's whole life: before the response it rejects the
    // fetch, after it errors the body, and it is removed once the body is done.
    let settled = false;
    let failBody: ((e: unknown) => void) | undefined;
    const onAbort = () => {
      const reason = abortError(signal!);
      if (failBody) failBody(reason);
      req.destroy();
      if (!settled) (settled = true), reject(reason);
    };
    const done = () => signal?.removeEventListener('abort', onAbort);
    const req = request(url, { method: (init.method ?? 'GET').toUpperCase(), headers, agent }, (res) => {
      settled = true;
      if (REDIRECTS.has(res.statusCode ?? 0) && res.headers.location !== undefined && init.redirect !== 'manual') {
        res.resume();
        done();
        resolve(fetch(new URL(res.headers.location, url), redirected(init, res.statusCode!)));
        return;
      }
      const body = toResponse(res, req.method === 'HEAD', done);
      failBody = body.fail;
      resolve(body.response);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (cause) => {
      if (settled) return;
      settled = true;
      done();
      reject(new TypeError('fetch failed', { cause }));
    });
    req.end(bytes);
  });
}

/** The next request after a redirect, as the Fetch standard has it: 303, and 301/302 after a POST, become a bodiless GET. */
function redirected(init: RequestInit, status: number): RequestInit {
  const method = (init.method ?? 'GET').toUpperCase();
  if (status === 303 ? method !== 'GET' && method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
    const headers = new Headers(init.headers);
    for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
    return { ...init, method: 'GET', body: null, headers };
  }
  return init;
}

/** Statuses whose response has no body, which the Response constructor refuses one for. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function toResponse(res: IncomingMessage, head: boolean, done: () => void): { response: Response; fail?: (e: unknown) => void } {
  const headers = new Headers();
  for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const status = res.statusCode ?? 0;
  const init = { status, statusText: res.statusMessage ?? '', headers };
  if (head || NULL_BODY.has(status)) {
    res.resume();
    done();
    return { response: new Response(null, init) };
  }
  const source = decoded(res, headers.get('content-encoding'));
  let finished = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const fail = (e: unknown) => {
    if (finished) return;
    finished = true;
    done();
    if (source !== res) source.destroy();
    controller.error(e instanceof DOMException && e.name === 'AbortError' ? e : new TypeError('terminated', { cause: e }));
  };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      source.on('data', (chunk: Buffer) => {
        // A decoder may still hold data after the body was cancelled or failed.
        if (finished) return;
        c.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((c.desiredSize ?? 1) <= 0) source.pause();
      });
      source.on('end', () => {
        if (finished) return;
        finished = true;
        done();
        c.close();
      });
      source.on('error', fail);
      // A connection closed before the message was complete is an error, never a clean end.
      res.on('close', () => {
        if (!res.complete) fail(new Error('other side closed'));
      });
    },
    pull() {
      source.resume();
    },
    cancel() {
      finished = true;
      done();
      if (source !== res) source.destroy();
      res.destroy();
    },
  });
  return { response: new Response(stream, init), fail };
}

function decoded(res: IncomingMessage, encoding: string | null): Readable {
  const codings = (encoding ?? '').toLowerCase().split(',').map((c) => c.trim()).filter((c) => c !== '' && c !== 'identity');
  let out: Readable = res;
  // Applied in reverse: the last coding listed was applied last.
  for (const coding of codings.reverse()) {
    const decoder = coding === 'gzip' || coding === 'x-gzip' ? createGunzip() : coding === 'deflate' ? createInflate() : coding === 'br' ? createBrotliDecompress() : undefined;
    if (decoder === undefined) return out;
    out.on('error', (e) => decoder.destroy(e));
    out = out.pipe(decoder);
  }
  return out;
}

function abortError(signal: AbortSignal): DOMException {
  return signal.reason instanceof DOMException && signal.reason.name === 'AbortError' ? signal.reason : new DOMException('This operation was aborted', 'AbortError');
}
