import type Anthropic from '@anthropic-ai/sdk';
import { BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { MODELS } from './index.js';
import { clientFor, localServers, refusal } from '../../helpers/local-servers.js';

const HI = [{ role: 'user' as const, content: 'Hi' }];
const reply = (text: string) => ({ content: [{ type: 'text' as const, text }] });

const { start } = localServers();

describe('the Models API', () => {
  it('lists active and deprecated models newest first, page by page, with retired ones only on request', async () => {
    const server = await start();
    const client = clientFor(server);

    const first = await client.models.list({ limit: 3 });
    const listed = MODELS.filter((m) => m.lifecycle !== 'retired').map((m) => m.id);
    expect(first.data.map((m) => m.id)).toEqual(listed.slice(0, 3));
    expect(first).toMatchObject({ has_more: true, first_id: listed[0], last_id: listed[2] });

    // The SDK follows last_id with after_id until has_more is false.
    const all: string[] = [];
    for await (const model of client.models.list({ limit: 4 })) all.push(model.id);
    expect(all).toEqual(listed);
    expect(all).toContain('claude-sonnet-4-5-20250929'); // deprecated, still listed
    const pages = server.requests.slice(1).map((r) => r.query);
    expect(pages).toEqual(['limit=4', 'limit=4&after_id=claude-opus-5-5', 'limit=4&after_id=claude-fable-5', 'limit=4&after_id=claude-opus-4-6']);

    const back = await client.models.list({ before_id: 'claude-opus-5-5', limit: 2 });
    expect(back.data.map((m) => m.id)).toEqual(['claude-haiku-5-5', 'claude-sonnet-5-5']);
    expect(back.has_more).toBe(true);

    const retired = await client.models.list({ lifecycle: ['retired'] });
    expect(retired.data.map((m) => [m.id, m.lifecycle, m.retires_at])).toEqual([['claude-opus-4-1-20250805', 'retired', '2026-08-05T00:00:00Z']]);
    expect(retired.has_more).toBe(false);
    expect(new URLSearchParams(server.requests.at(-1)?.query).getAll('lifecycle[]')).toEqual(['retired']);
  });

  it("retrieves a model's limits, lifecycle and capabilities in the SDK's ModelInfo shape", async () => {
    const server = await start();
    const client = clientFor(server);
    const no = { supported: false };
    const yes = { supported: true };

    const opus = await client.models.retrieve('claude-opus-5-5');
    expect(opus).toMatchObject({
      type: 'model',
      id: 'claude-opus-5-5',
      display_name: 'Claude Opus 5.5',
      line: 'opus',
      created_at: '2026-09-22T00:00:00Z',
      lifecycle: 'active',
      deprecated_at: null,
      retires_at: null,
      max_tokens: 128_000,
      max_input_tokens: 1_000_000,
    });
    expect(opus.capabilities?.effort).toEqual({ supported: true, low: yes, medium: yes, high: yes, xhigh: yes, max: yes });
    // Always thinking: adaptive is the only type it takes.
    expect(opus.capabilities?.thinking).toEqual({ supported: true, types: { adaptive: yes, between_tools: no, disabled: no, enabled: no } });

    const sonnet = await client.models.retrieve('claude-sonnet-5-5');
    expect(sonnet.capabilities?.thinking.types).toEqual({ adaptive: yes, between_tools: yes, disabled: no, enabled: no });
    const opus46 = await client.models.retrieve('claude-opus-4-6');
    expect(opus46.capabilities?.effort).toMatchObject({ xhigh: no, max: yes });
    expect(opus46.capabilities?.thinking.types).toEqual({ adaptive: yes, between_tools: no, disabled: yes, enabled: yes });

    // An alias resolves to its snapshot; a model without effort says so.
    const haiku = await client.models.retrieve('claude-haiku-4-5');
    expect(haiku).toMatchObject({ id: 'claude-haiku-4-5-20251001', max_tokens: 64_000, max_input_tokens: 200_000 });
    expect(haiku.capabilities?.effort.supported).toBe(false);
    expect(await client.models.retrieve('claude-sonnet-4-5-20250929')).toMatchObject({ lifecycle: 'deprecated', retires_at: '2026-11-30T00:00:00Z' });
    expect(await client.models.retrieve('claude-opus-4-1')).toMatchObject({ id: 'claude-opus-4-1-20250805', lifecycle: 'retired', capabilities: null });
    expect(server.requests.map((r) => `${r.method} ${r.path} ${r.outcome}`)).toContain('GET /v1/models/claude-haiku-4-5 reply');
  });

  it('answers an unknown model with 404 not_found_error', async () => {
    const server = await start();
    const error = await refusal(clientFor(server).models.retrieve('claude-opus-9'));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, type: 'not_found_error', apiMessage: 'model: claude-opus-9' });
    expect(server.requests[0]).toMatchObject({ outcome: 'rejected', rejection: 'model: claude-opus-9' });
  });

  it('refuses a bad list query with 400', async () => {
    const server = await start();
    const client = clientFor(server);
    expect((await refusal(client.models.list({ limit: 1001 }))).apiMessage).toBe('limit: Input should be a whole number from 1 to 1000');
    expect((await refusal(client.models.list({ after_id: 'claude-nope' }))).apiMessage).toContain('after_id');
  });

  it('modelsApi: false answers 404 for /v1/models itself, as an endpoint without a Models API', async () => {
    const server = await start({ modelsApi: false });
    const client = clientFor(server);
    for (const call of [client.models.list(), client.models.retrieve('claude-opus-5-5')]) {
      const error = await refusal(call);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.type).toBe('not_found_error');
      expect(error.apiMessage).toMatch(/^Not found: GET \/v1\/models/);
    }
  });
});

describe("rules 'today' on POST /v1/messages", () => {
  it('answers an unknown model and a retired one with 404, consuming nothing', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('Kept.'));
    const client = clientFor(server);

    const unknown = await refusal(client.messages.create({ model: 'claude-opus-9', max_tokens: 10, messages: HI }));
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(unknown).toMatchObject({ type: 'not_found_error', apiMessage: 'model: claude-opus-9' });
    const retired = await refusal(client.messages.create({ model: 'claude-opus-4-1', max_tokens: 10, messages: HI }));
    expect(retired).toBeInstanceOf(NotFoundError);
    expect(retired.apiMessage).toBe('model: claude-opus-4-1 was retired on 2026-08-05; see https://platform.claude.com/docs/en/about-claude/model-deprecations');
    const counted = await refusal(client.messages.countTokens({ model: 'claude-opus-9', messages: HI }));
    expect(counted.status).toBe(404);

    const ok = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: HI });
    expect(ok.content).toEqual([{ type: 'text', text: 'Kept.' }]);
    expect(server.requests.map((r) => r.outcome)).toEqual(['rejected', 'rejected', 'rejected', 'reply']);
  });

  it("refuses sampling parameters on every model under the SDK's API version, and per model under 2023-06-01", async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('Accepted at the default.'), reply('Accepted by Sonnet 4.6.'));
    const client = clientFor(server);
    // SDK 1.x has no sampling fields any more; an older client (or a hand-built body) still sends them.
    const params = (model: string, extra: Record<string, number>) => ({ model, max_tokens: 10, messages: HI, ...extra }) as Anthropic.MessageCreateParamsNonStreaming;

    // The SDK sends anthropic-version 2026-10-21: temperature is gone, even at its default.
    for (const [model, extra, field] of [
      ['claude-sonnet-4-6', { temperature: 1 }, 'temperature'],
      ['claude-opus-5-5', { top_k: 5 }, 'top_k'],
    ] as const) {
      const error = await refusal(client.messages.create(params(model, extra)));
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ type: 'invalid_request_error', apiMessage: `${field}: Extra inputs are not permitted` });
    }
    expect(server.requests.map((r) => r.headers['anthropic-version'])).toEqual(['2026-10-21', '2026-10-21']);

    const old = { headers: { 'anthropic-version': '2023-06-01' } };
    const deprecated = await refusal(client.messages.create(params('claude-opus-5-5', { temperature: 0.2 }), old));
    expect(deprecated.apiMessage).toBe('`temperature` is deprecated for this model.');
    const both = await refusal(client.messages.create(params('claude-haiku-4-5', { temperature: 0.2, top_p: 0.9 }), old));
    expect(both.apiMessage).toBe('`temperature` and `top_p` cannot both be specified for this model. Please use only one.');
    expect((await client.messages.create(params('claude-opus-5-5', { temperature: 1 }), old)).content[1]).toEqual({ type: 'text', text: 'Accepted at the default.' });
    expect((await client.messages.create(params('claude-sonnet-4-6', { temperature: 0.2 }), old)).content).toEqual([{ type: 'text', text: 'Accepted by Sonnet 4.6.' }]);
  });

  it('refuses a thinking type the model does not take, with the real 400 text', async () => {
    const server = await start({ rules: 'today' });
    const client = clientFor(server);
    const ask = (model: string, thinking: Anthropic.ThinkingConfigParam, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) =>
      refusal(client.messages.create({ model, max_tokens: 4000, thinking, messages: HI, ...extra }));

    const disabled = await ask('claude-opus-5-5', { type: 'disabled' });
    expect(disabled).toBeInstanceOf(BadRequestError);
    expect(disabled).toMatchObject({
      type: 'invalid_request_error',
      apiMessage: '"thinking.type.disabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.',
    });
    expect((await ask('claude-opus-5-5', { type: 'enabled', budget_tokens: 2000 })).apiMessage).toMatch(/^"thinking\.type\.enabled" is not supported for this model\./);
    expect((await ask('claude-fable-5-2', { type: 'disabled' })).apiMessage).toMatch(/^"thinking\.type\.disabled" is not supported/);
    expect((await ask('claude-sonnet-5-5', { type: 'disabled' })).apiMessage).toContain('"thinking.type.between_tools"');
    expect((await ask('claude-opus-4-8', { type: 'enabled', budget_tokens: 2000 })).apiMessage).toMatch(/^"thinking\.type\.enabled" is not supported/);
    expect((await ask('claude-sonnet-4-6', { type: 'enabled', budget_tokens: 500 })).apiMessage).toBe(
      'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024',
    );
    // Thinking off caps Haiku 5.5's effort at high.
    expect((await ask('claude-haiku-5-5', { type: 'disabled' }, { output_config: { effort: 'xhigh' } })).apiMessage).toBe(
      'output_config.effort: "xhigh" is not supported with "thinking.type.disabled" for this model; use "high" or lower.',
    );
    expect(server.requests.every((r) => r.outcome === 'rejected')).toBe(true);
  });

  it('refuses an effort the model does not list, and max_tokens above its limit', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('At max.'));
    const client = clientFor(server);
    const xhigh = await refusal(client.messages.create({ model: 'claude-opus-4-6', max_tokens: 10, output_config: { effort: 'xhigh' }, messages: HI }));
    expect(xhigh).toBeInstanceOf(BadRequestError);
    expect(xhigh.apiMessage).toBe('output_config.effort: "xhigh" is not supported for this model. Supported levels: low, medium, high, max');
    const none = await refusal(client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, output_config: { effort: 'low' }, messages: HI }));
    expect(none.apiMessage).toBe('output_config.effort: effort is not supported for this model');
    // The SDK insists on streaming for this much output.
    const long = await refusal(client.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100_000, messages: HI }).finalMessage());
    expect(long.apiMessage).toBe('max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5-20251001');

    const ok = await client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 128_000, output_config: { effort: 'max' }, messages: HI }).finalMessage();
    expect(ok.content.at(-1)).toEqual({ type: 'text', text: 'At max.' });
  });

  it('still refuses what rejectParams names, on top of the model table', async () => {
    const server = await start({ rules: 'today', rejectParams: { 'claude-opus-5': ['metadata'] } });
    const error = await refusal(clientFor(server).messages.create({ model: 'claude-opus-5-5', max_tokens: 10, metadata: { user_id: 'u1' }, messages: HI }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.apiMessage).toBe('metadata is not supported for this model');
  });

  it('checks each batch item against its model: a refused item ends errored and consumes nothing', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('Only for the good one.'));
    const client = clientFor(server);
    const item = (custom_id: string, params: Partial<Anthropic.MessageCreateParamsNonStreaming>) => ({
      custom_id,
      params: { model: 'claude-opus-5-5', max_tokens: 100, messages: HI, ...params },
    });
    const batch = await client.messages.batches.create({
      requests: [item('unknown', { model: 'claude-opus-9' }), item('disabled', { thinking: { type: 'disabled' } }), item('good', {})],
    });
    const results: Record<string, Anthropic.Messages.Batches.MessageBatchResult> = {};
    for await (const line of await client.messages.batches.results(batch.id)) results[line.custom_id] = line.result;

    expect(results['unknown']).toEqual({ type: 'errored', error: { type: 'error', error: { type: 'not_found_error', message: 'model: claude-opus-9' } } });
    expect(results['disabled']).toMatchObject({
      type: 'errored',
      error: { error: { type: 'invalid_request_error', message: expect.stringContaining('"thinking.type.disabled"') } },
    });
    expect(results['good']).toMatchObject({
      type: 'succeeded',
      message: {
        content: [
          { type: 'thinking', thinking: '' },
          { type: 'text', text: 'Only for the good one.' },
        ],
        usage: { service_tier: 'batch' },
      },
    });
  });
});

describe('usage and stop reasons under today', () => {
  it("reports today's usage fields, streamed and not, with thinking tokens counted though not shown", async () => {
    const server = await start({ rules: 'today' });
    const scripted = { content: [{ type: 'text' as const, text: 'Two words.' }] };
    server.enqueue(scripted, scripted, { ...scripted, usage: { service_tier: 'priority' as const } });
    const client = clientFor(server);
    const params = { model: 'claude-opus-5-5', max_tokens: 100, messages: HI };
    // "Thinking at medium effort." is four chunks, omitted; the text two more.
    const expected = {
      input_tokens: 1,
      output_tokens: 6,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      service_tier: 'standard',
      inference_geo: 'global',
      speed: 'standard',
      output_tokens_details: { thinking_tokens: 4 },
      server_tool_use: null,
    };
    expect((await client.messages.create(params)).usage).toEqual(expected);
    expect((await client.messages.stream(params).finalMessage()).usage).toEqual(expected);
    expect((await client.messages.create(params)).usage).toEqual({ ...expected, service_tier: 'priority' });
  });
});
