import Anthropic, { APIError, BadRequestError, InternalServerError, OverloadedError, RateLimitError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { echoResponder, signThinking, startLocalServer, type LocalServer, type RecordedRequest } from './index.js';
import type { LocalServerOptions } from './types.js';
import { localServers } from '../../helpers/local-servers.js';

const MODEL = 'claude-sonnet-4-6';
const HI = [{ role: 'user' as const, content: 'Hi' }];

const { start: startServer, allowUnexpected } = localServers();
/** These tests are of the server's mechanics, under rules 'off' (any model, replies as scripted); 'today' is asked for by name. */
const start = (opts: LocalServerOptions = {}) => startServer({ rules: 'off', ...opts });

function clientFor(server: LocalServer, extra: Partial<ConstructorParameters<typeof Anthropic>[0]> = {}): Anthropic {
  return new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0, ...extra });
}

describe('replies', () => {
  it('streams a scripted thinking + text reply that the SDK assembles with signature and usage', async () => {
    const server = await start();
    server.enqueue({
      content: [
        { type: 'thinking', thinking: 'Let me think about it.' },
        { type: 'text', text: 'Hello there, friend.' },
      ],
    });
    const stream = clientFor(server).messages.stream({
      model: MODEL,
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Say hello to me' }],
    });
    const textDeltas: string[] = [];
    stream.on('text', (delta) => textDeltas.push(delta));
    const message = await stream.finalMessage();

    expect(message.id).toBe('msg_local_1');
    expect(message.model).toBe(MODEL);
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Let me think about it.', signature: signThinking('Let me think about it.') },
      { type: 'text', text: 'Hello there, friend.' },
    ]);
    expect(textDeltas).toEqual(['Hello ', 'there, ', 'friend.']);
    expect(message.stop_reason).toBe('end_turn');
    // input: ceil(("Be brief." + "Say hello to me").length / 4) = ceil(24 / 4); output: 5 thinking + 3 text chunks.
    expect(message.usage).toMatchObject({ input_tokens: 6, output_tokens: 8, cache_read_input_tokens: 0 });
    expect(stream.request_id).toBe('req_local_1');

    const [sent] = server.messageRequests();
    expect(sent?.path).toBe('/v1/messages');
    // SDK 1.x sends the api key as a bearer token.
    expect(sent?.headers['authorization']).toBe('Bearer test-key');
    expect(sent?.body).toMatchObject({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'Say hello to me' }] });
    expect(sent?.outcome).toBe('reply');
  });

  it('answers a non-streaming create with the same message as one JSON body', async () => {
    const server = await start();
    server.enqueue({
      content: [{ type: 'text', text: 'Cut short' }],
      stop_reason: 'max_tokens',
      model: 'claude-haiku-4-5',
      usage: { input_tokens: 42, cache_read_input_tokens: 30 },
    });
    const { data, request_id } = await clientFor(server).messages.create({ model: MODEL, max_tokens: 5, messages: HI }).withResponse();

    expect(request_id).toBe('req_local_1');
    expect(data.content).toEqual([{ type: 'text', text: 'Cut short' }]);
    expect(data.stop_reason).toBe('max_tokens');
    expect(data.model).toBe('claude-haiku-4-5');
    expect(data.usage).toMatchObject({ input_tokens: 42, output_tokens: 2, cache_read_input_tokens: 30 });
    expect(server.messageRequests()[0]?.body.stream).toBeUndefined();
  });

  it('counts tokens without consuming the queue', async () => {
    const server = await start();
    const counted = await clientFor(server).messages.countTokens({
      model: MODEL,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'hello world!' }],
    });
    expect(counted.input_tokens).toBe(7); // ceil((14 + 12) / 4)
    expect(server.requests[0]?.path).toBe('/v1/messages/count_tokens');
    expect(server.messageRequests()).toEqual([]);
  });

  it('replies with echoResponder when the queue is empty, thinking only when the request asks', async () => {
    const server = await start({ responder: echoResponder() });
    const client = clientFor(server);
    const first = await client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    expect(first.content).toEqual([{ type: 'text', text: 'Reply to turn 1: What is the capital of France?' }]);

    const second = await client.messages.create({
      model: MODEL,
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'What is the capital of France?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: 'x'.repeat(100) },
      ],
    });
    expect(second.content).toEqual([
      { type: 'thinking', thinking: 'Considering turn 2.', signature: signThinking('Considering turn 2.') },
      { type: 'text', text: `Reply to turn 2: ${'x'.repeat(60)}` },
    ]);
  });
});

describe('faults', () => {
  it('surfaces a 429 as RateLimitError with the request id and retry headers', async () => {
    const server = await start();
    server.enqueue({ fault: 'rate-limit', retryAfterS: 7 });
    const error = await clientFor(server)
      .messages.create({ model: MODEL, max_tokens: 10, messages: HI })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RateLimitError);
    const e = error as RateLimitError;
    expect(e.status).toBe(429);
    expect(e.requestID).toBe('req_local_1');
    expect(e.type).toBe('rate_limit_error');
    expect(e.headers.get('retry-after')).toBe('7');
    expect(e.headers.get('retry-after-ms')).toBe('10');
    expect(server.requests[0]).toMatchObject({ outcome: 'fault', fault: 'rate-limit' });
  });

  it('lets the SDK retry a 429 and succeed on the scripted reply that follows', async () => {
    const server = await start();
    server.enqueue({ fault: 'rate-limit' }, { content: [{ type: 'text', text: 'Second time lucky.' }] });
    const message = await clientFor(server, { maxRetries: 2 }).messages.create({ model: MODEL, max_tokens: 10, messages: HI });

    expect(message.content).toEqual([{ type: 'text', text: 'Second time lucky.' }]);
    expect(server.messageRequests().map((r) => r.outcome)).toEqual(['fault', 'reply']);
    expect(server.messageRequests()[1]?.headers['x-stainless-retry-count']).toBe('1');
  });

  it('answers overloaded with 529 and server-error with 500', async () => {
    const server = await start();
    server.enqueue({ fault: 'overloaded' }, { fault: 'server-error' });
    const client = clientFor(server);
    const overloaded = await client.messages.create({ model: MODEL, max_tokens: 10, messages: HI }).catch((e: unknown) => e);
    const serverError = await client.messages.create({ model: MODEL, max_tokens: 10, messages: HI }).catch((e: unknown) => e);

    expect(overloaded).toBeInstanceOf(OverloadedError);
    expect(overloaded).toMatchObject({ status: 529, type: 'overloaded_error', requestID: 'req_local_1' });
    expect((overloaded as APIError).headers?.get('retry-after-ms')).toBe('10');
    expect(serverError).toBeInstanceOf(InternalServerError);
    expect(serverError).toMatchObject({ status: 500, type: 'api_error', requestID: 'req_local_2' });
  });

  it('cut-stream drops the connection mid-message and finalMessage rejects', async () => {
    const server = await start();
    server.enqueue({ fault: 'cut-stream', afterEvents: 4 });
    const stream = clientFor(server).messages.stream({ model: MODEL, max_tokens: 10, messages: HI });
    const seen: string[] = [];
    stream.on('streamEvent', (event) => seen.push(event.type));

    await expect(stream.finalMessage()).rejects.toThrow();
    expect(seen).toEqual(['message_start', 'content_block_start', 'content_block_delta']); // ping is not surfaced
  });

  it('stream-error sends an SSE error event and finalMessage rejects with it', async () => {
    const server = await start();
    server.enqueue({ fault: 'stream-error' });
    const stream = clientFor(server).messages.stream({ model: MODEL, max_tokens: 10, messages: HI });

    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).type).toBe('overloaded_error');
    expect(String(error)).toContain('Overloaded');
  });

  it('malformed-sse makes finalMessage reject', async () => {
    const server = await start();
    server.enqueue({ fault: 'malformed-sse' });
    const stream = clientFor(server, { logLevel: 'off' }).messages.stream({ model: MODEL, max_tokens: 10, messages: HI });
    await expect(stream.finalMessage()).rejects.toThrow(/JSON/);
  });

  it('stream faults on a non-streaming create fail the request too', async () => {
    const server = await start();
    server.enqueue({ fault: 'cut-stream' }, { fault: 'malformed-sse' }, { fault: 'stream-error' });
    const client = clientFor(server);
    const create = () => client.messages.create({ model: MODEL, max_tokens: 10, messages: HI });
    await expect(create()).rejects.toThrow();
    await expect(create()).rejects.toThrow(/JSON/);
    await expect(create()).rejects.toBeInstanceOf(OverloadedError);
    expect(server.messageRequests().map((r) => r.fault)).toEqual(['cut-stream', 'malformed-sse', 'stream-error']);
  });

  it('refusal is a 200 reply with stop_reason refusal and stop_details', async () => {
    const server = await start();
    server.enqueue({ fault: 'refusal', explanation: 'Policy says no.' });
    const message = await clientFor(server).messages.stream({ model: MODEL, max_tokens: 10, messages: HI }).finalMessage();

    expect(message.stop_reason).toBe('refusal');
    expect(message.stop_details).toEqual({ type: 'refusal', category: null, explanation: 'Policy says no.' });
    expect(message.content[0]?.type).toBe('text');
  });

  it('answers an unscripted request with 500 and lists it in unexpected()', async () => {
    allowUnexpected();
    const server = await start();
    const error = await clientFor(server)
      .messages.create({ model: MODEL, max_tokens: 10, messages: HI })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as APIError).apiMessage).toBe('local server: no scripted reply for this request');
    expect(server.unexpected().map((r) => r.seq)).toEqual([1]);
  });
});

describe('validation', () => {
  it('accepts thinking sent back unchanged and rejects a tampered signature with 400', async () => {
    const server = await start();
    server.enqueue(
      {
        content: [
          { type: 'thinking', thinking: 'Plan the answer.' },
          { type: 'text', text: 'Done.' },
        ],
      },
      { content: [{ type: 'text', text: 'Accepted.' }] },
    );
    const client = clientFor(server);
    const first = await client.messages.stream({ model: MODEL, max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: HI }).finalMessage();
    const history = (content: Anthropic.ContentBlockParam[]): Anthropic.MessageParam[] => [...HI, { role: 'assistant', content }, { role: 'user', content: 'And then?' }];

    const accepted = await client.messages.create({ model: MODEL, max_tokens: 2000, messages: history(first.content) });
    expect(accepted.content).toEqual([{ type: 'text', text: 'Accepted.' }]);

    const tampered = first.content.map((b) => (b.type === 'thinking' ? { ...b, thinking: 'Plan the answer!' } : b));
    const error = await client.messages.create({ model: MODEL, max_tokens: 2000, messages: history(tampered) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as APIError).apiMessage).toContain('Invalid signature in thinking block');
    expect(server.requests[2]).toMatchObject({ outcome: 'rejected', rejection: expect.stringContaining('Invalid signature') });
  });

  it('rejects temperature for claude-opus-4-7 without consuming the queue', async () => {
    const server = await start();
    server.enqueue({ content: [{ type: 'text', text: 'Kept for the next request.' }] });
    const client = clientFor(server);
    // The SDK's own types no longer offer temperature; an older client (or a hand-built body) still sends it.
    const params = { model: 'claude-opus-4-7', max_tokens: 10, temperature: 0.2, messages: HI } as Anthropic.MessageCreateParamsNonStreaming;
    const error = await client.messages.create(params).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as APIError).apiMessage).toBe('temperature is not supported for this model');
    expect(server.requests[0]).toMatchObject({ outcome: 'rejected', rejection: 'temperature is not supported for this model' });

    const ok = await client.messages.create({ model: 'claude-opus-4-7', max_tokens: 10, messages: HI });
    expect(ok.content).toEqual([{ type: 'text', text: 'Kept for the next request.' }]);
  });

  it('rejects bodies the real API would refuse, and missing auth or unknown routes', async () => {
    const server = await start();
    const post = (path: string, body: string, headers: Record<string, string> = { 'x-api-key': 'k' }) =>
      fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const cases: Array<[Response, number, string]> = [
      [await post('/v1/messages', '{"model":'), 400, 'invalid_request_error'],
      [await post('/v1/messages', JSON.stringify({ model: MODEL, messages: HI })), 400, 'invalid_request_error'],
      [await post('/v1/messages', JSON.stringify({ model: MODEL, max_tokens: 5, messages: [{ role: 'assistant', content: 'x' }] })), 400, 'invalid_request_error'],
      [await post('/v1/messages', JSON.stringify({ model: MODEL, max_tokens: 5, messages: [...HI, ...HI] })), 400, 'invalid_request_error'],
      [await post('/v1/messages', JSON.stringify({ model: MODEL, max_tokens: 5, messages: HI }), {}), 401, 'authentication_error'],
      [await post('/v1/models', '{}'), 404, 'not_found_error'],
    ];
    for (const [[response, status, type], i] of cases.map((c, i) => [c, i] as const)) {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.json()).toMatchObject({ type: 'error', error: { type }, request_id: `req_local_${i + 1}` });
    }
    expect(server.requests.every((r) => r.outcome === 'rejected')).toBe(true);
    expect(server.requests[3]?.rejection).toContain('alternate');
  });
});

describe('modes and latency', () => {
  it('waits ttftMs before the first delta and perTokenMs between deltas', async () => {
    const server = await start({ latency: { ttftMs: 150, perTokenMs: 40 } });
    server.enqueue({ content: [{ type: 'text', text: 'one two three four' }] });
    const sentAt = Date.now();
    const stream = clientFor(server).messages.stream({ model: MODEL, max_tokens: 10, messages: HI });
    const textAt: number[] = [];
    stream.on('text', () => textAt.push(Date.now()));
    await stream.finalMessage();

    expect(textAt).toHaveLength(4);
    expect(textAt[0]! - sentAt).toBeGreaterThanOrEqual(140);
    expect(textAt[3]! - textAt[0]!).toBeGreaterThanOrEqual(110); // three gaps of 40 ms
  });

  it('close() ends kept-alive connections promptly', async () => {
    const server = await startLocalServer({ rules: 'off', responder: echoResponder() });
    await clientFor(server).messages.create({ model: MODEL, max_tokens: 10, messages: HI });
    const before = Date.now();
    await server.close();
    expect(Date.now() - before).toBeLessThan(1000);
  });
});

describe('waitForRequests', () => {
  it('resolves when the n-th matching request arrives, at once if it already has, and rejects on close', async () => {
    const server = await startLocalServer({ rules: 'off', responder: echoResponder() });
    const isMessage = (r: RecordedRequest) => r.path === '/v1/messages';
    const client = clientFor(server);
    let second: RecordedRequest[] | undefined;
    const waitingForSecond = server.waitForRequests(2, isMessage).then((r) => (second = r));
    await client.messages.countTokens({ model: MODEL, messages: HI });
    await client.messages.create({ model: MODEL, max_tokens: 10, messages: HI });
    await server.waitForRequests(2); // count_tokens and one message: any two requests
    expect(second).toBeUndefined();
    await client.messages.create({ model: MODEL, max_tokens: 10, messages: HI });
    await waitingForSecond;
    expect(second!.map((r) => r.seq)).toEqual([2, 3]);
    expect((await server.waitForRequests(1, isMessage))[0]!.seq).toBe(2);
    const never = server.waitForRequests(4, isMessage);
    await server.close();
    await expect(never).rejects.toThrow('local server closed before request 4 of those waited for arrived');
  });
});

describe("today's stop reasons and a fallback model", () => {
  it('ends a reply with pause_turn or model_context_window_exceeded, streamed and not', async () => {
    const server = await start();
    const cut = (stop_reason: 'pause_turn' | 'model_context_window_exceeded') => ({ content: [{ type: 'text' as const, text: 'Partial answer' }], stop_reason });
    server.enqueue(cut('pause_turn'), cut('pause_turn'), cut('model_context_window_exceeded'), cut('model_context_window_exceeded'));
    const client = clientFor(server);
    const params = { model: MODEL, max_tokens: 100, messages: HI };
    const deltas: Array<string | null> = [];
    const streamed = async () => {
      const stream = client.messages.stream(params);
      stream.on('streamEvent', (event) => {
        if (event.type === 'message_delta') deltas.push(event.delta.stop_reason);
      });
      return (await stream.finalMessage()).stop_reason;
    };

    expect((await client.messages.create(params)).stop_reason).toBe('pause_turn');
    expect(await streamed()).toBe('pause_turn');
    expect((await client.messages.create(params)).stop_reason).toBe('model_context_window_exceeded');
    expect(await streamed()).toBe('model_context_window_exceeded');
    expect(deltas).toEqual(['pause_turn', 'model_context_window_exceeded']);
  });

  it('names the fallback model that answered, in message_start as in the message', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(
      { content: [{ type: 'text', text: 'Sonnet stepped in.' }], model: 'claude-sonnet-5-5' },
      { content: [{ type: 'text', text: 'Again.' }], model: 'claude-sonnet-5-5' },
    );
    const client = clientFor(server);
    const params = { model: 'claude-opus-5-5', max_tokens: 100, messages: HI };
    const stream = client.messages.stream(params);
    let started: string | undefined;
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start') started = event.message.model;
    });
    expect((await stream.finalMessage()).model).toBe('claude-sonnet-5-5');
    expect(started).toBe('claude-sonnet-5-5');
    expect((await client.messages.create(params)).model).toBe('claude-sonnet-5-5');
    expect(server.messageRequests().map((r) => r.body.model)).toEqual(['claude-opus-5-5', 'claude-opus-5-5']);
  });
});

describe("rules 'off'", () => {
  it('answers as before: any model and parameters, thinking as scripted, no rate-limit headers, the old usage keys', async () => {
    const server = await start();
    server.enqueue(
      {
        content: [
          { type: 'thinking', thinking: 'As scripted.' },
          { type: 'text', text: 'Anything goes.' },
        ],
      },
      { content: [{ type: 'text', text: 'No thinking added.' }] },
    );
    const client = clientFor(server);
    // An unknown model, thinking Opus 5.5 refuses, and a sampling parameter the API version removed.
    const params = { model: 'claude-made-up', max_tokens: 1_000_000, thinking: { type: 'disabled' }, temperature: 0.3, messages: HI } as Anthropic.MessageStreamParams;
    const stream = client.messages.stream(params);
    const { response } = await stream.withResponse();
    const first = await stream.finalMessage();
    expect(first.model).toBe('claude-made-up');
    expect(first.content).toEqual([
      { type: 'thinking', thinking: 'As scripted.', signature: signThinking('As scripted.') },
      { type: 'text', text: 'Anything goes.' },
    ]);
    expect([...response.headers.keys()].filter((h) => h.startsWith('anthropic-ratelimit'))).toEqual([]);

    const plain = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 10, messages: HI });
    expect(plain.content).toEqual([{ type: 'text', text: 'No thinking added.' }]);
    expect(Object.keys(plain.usage).sort()).toEqual(['cache_creation', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'input_tokens', 'output_tokens']);
    expect(server.requests.map((r) => r.outcome)).toEqual(['reply', 'reply']);
  });
});
