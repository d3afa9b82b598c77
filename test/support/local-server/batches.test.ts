import Anthropic, { AnthropicError, BadRequestError, InternalServerError, NotFoundError } from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { echoResponder, type LocalServer } from './index.js';
import { localServers } from '../../helpers/local-servers.js';

const MODEL = 'claude-sonnet-4-6';
type Item = Anthropic.Messages.Batches.BatchCreateParams.Request;

const { start, allowUnexpected } = localServers();

afterEach(() => {
  vi.useRealTimers();
});

function clientFor(server: LocalServer, baseURL = server.url): Anthropic {
  return new Anthropic({ apiKey: 'test-key', baseURL, maxRetries: 0 });
}

const item = (custom_id: string, text: string): Item => ({ custom_id, params: { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: text }] } });
const reply = (text: string) => ({ content: [{ type: 'text' as const, text }] });

async function collect(stream: AsyncIterable<Anthropic.Messages.Batches.MessageBatchIndividualResponse>) {
  const results: Record<string, Anthropic.Messages.Batches.MessageBatchResult> = {};
  for await (const line of stream) results[line.custom_id] = line.result;
  return results;
}

describe('message batches', () => {
  it('processes a batch for batchLatencyMs, then serves each result by custom_id', async () => {
    // The batch clock is Date: moved by hand, so a slow machine cannot end the batch early.
    vi.useFakeTimers({ toFake: ['Date'] });
    const server = await start({ batchLatencyMs: 300 });
    server.enqueue(reply('Paris.'), { batch: 'expired' }, { batch: 'errored', errorType: 'invalid_request_error', message: 'prompt is too long' });
    const client = clientFor(server);
    const requests = [item('q-1', 'Capital of France?'), item('q-2', 'Capital of Peru?'), item('q-3', 'Capital of Chad?')];

    const created = await client.messages.batches.create({ requests });
    expect(created).toMatchObject({
      id: 'msgbatch_local_1',
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      cancel_initiated_at: null,
      archived_at: null,
      results_url: null,
    });
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(24 * 60 * 60_000);

    expect(await client.messages.batches.retrieve(created.id)).toMatchObject({ processing_status: 'in_progress', results_url: null });
    await expect(client.messages.batches.results(created.id)).rejects.toThrow(AnthropicError);
    const early = await fetch(`${server.url}/v1/messages/batches/${created.id}/results`, { headers: { 'x-api-key': 'k' } });
    expect(early.status).toBe(404);

    vi.setSystemTime(Date.parse(created.created_at) + 299);
    expect(await client.messages.batches.retrieve(created.id)).toMatchObject({ processing_status: 'in_progress' });
    vi.setSystemTime(Date.parse(created.created_at) + 300);
    const batch = await client.messages.batches.retrieve(created.id);
    expect(batch).toMatchObject({
      processing_status: 'ended',
      request_counts: { processing: 0, succeeded: 1, errored: 1, canceled: 0, expired: 1 },
      results_url: `${server.url}/v1/messages/batches/msgbatch_local_1/results`,
    });
    expect(batch.ended_at).not.toBeNull();

    const results = await collect(await client.messages.batches.results(created.id));
    expect(Object.keys(results).sort()).toEqual(['q-1', 'q-2', 'q-3']);
    expect(results['q-1']).toMatchObject({
      type: 'succeeded',
      message: {
        id: 'msg_local_1_1',
        model: MODEL,
        content: [{ type: 'text', text: 'Paris.' }],
        usage: { input_tokens: Math.ceil('Capital of France?'.length / 4), output_tokens: 1, service_tier: 'batch' },
      },
    });
    expect(results['q-2']).toEqual({ type: 'expired' });
    expect(results['q-3']).toEqual({ type: 'errored', error: { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long' } } });

    // What was sent: the create body as given, then only reads.
    const [create, ...reads] = server.requests;
    expect(create).toMatchObject({ method: 'POST', path: '/v1/messages/batches', outcome: 'reply', body: { requests } });
    expect(new Set(reads.map((r) => `${r.method} ${r.path}`))).toEqual(new Set([`GET /v1/messages/batches/${created.id}`, `GET /v1/messages/batches/${created.id}/results`]));
    expect(server.messageRequests()).toEqual([]);
    expect(server.batches()).toEqual([
      {
        id: created.id,
        requests: requests.map(({ custom_id, params }) => ({ custom_id, params })),
        results: ['q-1', 'q-2', 'q-3'].map((id) => ({ custom_id: id, result: results[id] })),
      },
    ]);
  });

  it('cancels the items that have not been processed, and lists batches newest first', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const server = await start({ batchLatencyMs: 600 });
    server.enqueue(reply('a'), reply('b'), reply('c'), reply('d'));
    const client = clientFor(server);

    // Cancelled at once: neither item has fallen due.
    const first = await client.messages.batches.create({ requests: [item('a', 'A'), item('b', 'B')] });
    const canceling = await client.messages.batches.cancel(first.id);
    expect(canceling).toMatchObject({ processing_status: 'canceling', ended_at: null, request_counts: { processing: 2 } });
    expect(canceling.cancel_initiated_at).not.toBeNull();
    expect(await client.messages.batches.retrieve(first.id)).toMatchObject({
      processing_status: 'ended',
      request_counts: { processing: 0, succeeded: 0, canceled: 2 },
    });
    expect(await collect(await client.messages.batches.results(first.id))).toEqual({ a: { type: 'canceled' }, b: { type: 'canceled' } });

    // Cancelled after the first item fell due (at 300 ms) and before the second (at 600 ms).
    const second = await client.messages.batches.create({ requests: [item('c', 'C'), item('d', 'D')] });
    vi.setSystemTime(Date.parse(second.created_at) + 420);
    await client.messages.batches.cancel(second.id);
    const results = await collect(await client.messages.batches.results(second.id));
    expect(results['c']).toMatchObject({ type: 'succeeded', message: { content: [{ type: 'text', text: 'c' }] } });
    expect(results['d']).toEqual({ type: 'canceled' });

    const listed: string[] = [];
    for await (const batch of client.messages.batches.list()) listed.push(`${batch.id} ${batch.processing_status}`);
    expect(listed).toEqual(['msgbatch_local_2 ended', 'msgbatch_local_1 ended']);
    expect(server.requests.filter((r) => r.path.endsWith('/cancel')).map((r) => [r.method, r.outcome])).toEqual([
      ['POST', 'reply'],
      ['POST', 'reply'],
    ]);
  });

  it('rejects a malformed batch with a 400 and consumes nothing', async () => {
    const server = await start();
    server.enqueue(reply('Kept.'));
    const client = clientFor(server);
    const refuse = async (requests: Item[]) => {
      const error = await client.messages.batches.create({ requests }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadRequestError);
      return (error as BadRequestError).apiMessage;
    };

    expect(await refuse([item('has space', 'x')])).toBe("requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'");
    expect(await refuse([item('x'.repeat(65), 'x')])).toContain('requests.0.custom_id');
    expect(await refuse([item('same', 'x'), item('same', 'y')])).toContain('"same" appears more than once');
    expect(await refuse([item('ok', 'x'), { custom_id: 'no-max', params: { model: MODEL, messages: [{ role: 'user', content: 'x' }] } as Item['params'] }])).toBe(
      'requests.1.params.max_tokens: Field required',
    );
    expect(await refuse([])).toContain('at least 1 item');
    expect(server.requests.map((r) => r.outcome)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(server.batches()).toEqual([]);

    const accepted = await client.messages.batches.create({ requests: [item('ok', 'x')] });
    expect(await collect(await client.messages.batches.results(accepted.id))).toMatchObject({ ok: { type: 'succeeded', message: { content: [{ type: 'text', text: 'Kept.' }] } } });
  });

  it('answers unknown ids with 404 and deletes only ended batches', async () => {
    const server = await start({ batchLatencyMs: 10_000 });
    server.enqueue(reply('x'));
    const client = clientFor(server);
    await expect(client.messages.batches.retrieve('msgbatch_nope')).rejects.toBeInstanceOf(NotFoundError);

    const batch = await client.messages.batches.create({ requests: [item('one', 'x')] });
    await expect(client.messages.batches.delete(batch.id)).rejects.toBeInstanceOf(BadRequestError);
    await client.messages.batches.cancel(batch.id);
    expect(await client.messages.batches.delete(batch.id)).toEqual({ id: batch.id, type: 'message_batch_deleted' });
    await expect(client.messages.batches.retrieve(batch.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('bills batch items through the prompt cache, so later items read what earlier ones wrote', async () => {
    const server = await start({ responder: echoResponder() });
    const system = [{ type: 'text' as const, text: 'Shared instructions. '.repeat(20), cache_control: { type: 'ephemeral' as const } }];
    const requests: Item[] = ['one', 'two'].map((id) => ({ custom_id: id, params: { model: MODEL, max_tokens: 10, system, messages: [{ role: 'user', content: id }] } }));
    const batch = await clientFor(server).messages.batches.create({ requests });
    const results = await collect(await clientFor(server).messages.batches.results(batch.id));

    const prefix = Math.ceil(system[0]!.text.length / 4);
    expect(results['one']).toMatchObject({ message: { usage: { cache_creation_input_tokens: prefix, cache_read_input_tokens: 0, input_tokens: 1 } } });
    expect(results['two']).toMatchObject({ message: { usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: prefix, input_tokens: 1 } } });
    // The responder saw each item as the Messages request it stands for.
    expect(results['two']).toMatchObject({ message: { content: [{ type: 'text', text: 'Reply to turn 1: two' }] } });
  });

  it('serves batches under /api too, with results_url under the same prefix', async () => {
    const server = await start({ mode: 'openrouter', responder: echoResponder() });
    const client = clientFor(server, `${server.url}/api`);
    const batch = await client.messages.batches.create({ requests: [item('only', 'Hello')] });
    // No latency: the create still answers in_progress, and the first retrieve finds it ended.
    expect(batch.processing_status).toBe('in_progress');
    const ended = await client.messages.batches.retrieve(batch.id);
    expect(ended.processing_status).toBe('ended');
    expect(ended.results_url).toBe(`${server.url}/api/v1/messages/batches/${batch.id}/results`);
    expect(Object.keys(await collect(await client.messages.batches.results(batch.id)))).toEqual(['only']);
    expect(server.requests.map((r) => r.path)).toEqual([
      '/api/v1/messages/batches',
      `/api/v1/messages/batches/${batch.id}`,
      `/api/v1/messages/batches/${batch.id}`,
      `/api/v1/messages/batches/${batch.id}/results`,
    ]);
  });

  it('fails loudly on an unscripted item, and on a batch-only script sent to /v1/messages', async () => {
    allowUnexpected();
    const server = await start();
    server.enqueue(reply('only one'));
    const client = clientFor(server);
    const batch = await client.messages.batches.create({ requests: [item('a', 'x'), item('b', 'y')] });
    const results = await collect(await client.messages.batches.results(batch.id));
    expect(results['b']).toEqual({ type: 'errored', error: { type: 'error', error: { type: 'api_error', message: 'local server: no scripted reply for this request' } } });

    server.enqueue({ batch: 'expired' });
    const error = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(server.unexpected().map((r) => r.path)).toEqual(['/v1/messages/batches', '/v1/messages']);
  });
});
