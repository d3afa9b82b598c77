import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { signThinking, type LocalServer } from './index.js';
import { localServers, refusal } from '../../helpers/local-servers.js';

const HI = [{ role: 'user' as const, content: 'Should the events table get a NOT NULL column?' }];
const reply = (text: string, cost?: number) => ({ content: [{ type: 'text' as const, text }], ...(cost === undefined ? {} : { cost }) });

const { start } = localServers();

/** The SDK pointed at OpenRouter's path on the local server, as driftbench's openrouter provider points it. */
function openrouterClient(server: LocalServer): Anthropic {
  return new Anthropic({ apiKey: 'or-key', baseURL: `${server.url}/api`, maxRetries: 0 });
}

/** usage.cost, which the SDK's snapshot leaves out: read off message_delta. */
async function streamWithCost(client: Anthropic, params: Anthropic.MessageStreamParams): Promise<{ message: Anthropic.Message; cost: unknown }> {
  const stream = client.messages.stream(params);
  let cost: unknown;
  stream.on('streamEvent', (event) => {
    if (event.type === 'message_delta') cost = (event.usage as unknown as { cost?: number }).cost;
  });
  return { message: await stream.finalMessage(), cost };
}

describe("openrouter mode, rules 'off'", () => {
  it('passes thinking and effort through, records the body unchanged and passes the cost', async () => {
    const server = await start({ mode: 'openrouter', rules: 'off' });
    server.enqueue({
      content: [
        { type: 'thinking', thinking: 'Shown.' },
        { type: 'text', text: 'Visible.' },
      ],
      cost: 0.0021,
    });
    const params = {
      model: 'anthropic/claude-opus-4.7',
      max_tokens: 2000,
      thinking: { type: 'adaptive', display: 'summarized' },
      output_config: { effort: 'low' },
      messages: HI,
    } as Anthropic.MessageStreamParams;
    const { message, cost } = await streamWithCost(openrouterClient(server), params);

    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Shown.', signature: signThinking('Shown.') },
      { type: 'text', text: 'Visible.' },
    ]);
    expect(message.model).toBe('anthropic/claude-opus-4.7');
    expect(cost).toBe(0.0021);
    const [sent] = server.messageRequests();
    expect(sent?.path).toBe('/api/v1/messages');
    expect(sent?.body).toMatchObject({ thinking: { type: 'adaptive', display: 'summarized' }, output_config: { effort: 'low' } });
    expect(sent?.forwarded).toBeUndefined();
  });

  it('with dropParams, ignores effort and thinking as OpenRouter once did: nothing of either reaches the model or comes back', async () => {
    const server = await start({ mode: 'openrouter', rules: 'off', dropParams: ['effort', 'thinking'] });
    server.enqueue({
      content: [
        { type: 'thinking', thinking: 'dropped' },
        { type: 'text', text: 'Visible.' },
      ],
    });
    const message = await openrouterClient(server).messages.create({
      model: 'anthropic/claude-opus-4.7',
      max_tokens: 2000,
      thinking: { type: 'adaptive', display: 'summarized' },
      output_config: { effort: 'low', format: { type: 'json_schema', schema: { type: 'object' } } },
      messages: HI,
    } as Anthropic.MessageCreateParamsNonStreaming);

    expect(message.content).toEqual([{ type: 'text', text: 'Visible.' }]);
    const [sent] = server.messageRequests();
    // The log keeps what the client sent; `forwarded` is what the model got: no thinking, no effort, the rest of output_config.
    expect(sent?.body).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } });
    expect(sent?.forwarded).not.toHaveProperty('thinking');
    expect(sent?.forwarded.output_config).toEqual({ format: { type: 'json_schema', schema: { type: 'object' } } });
  });
});

describe("openrouter mode, rules 'today': OpenRouter in front of today's Claude API", () => {
  it("takes OpenRouter's model id, forwards the Claude API's, passes effort and display through, and answers with OpenRouter's id and cost", async () => {
    const server = await start({ mode: 'openrouter', rules: 'today' });
    server.enqueue(reply('Low.', 0.0042));
    const { message, cost } = await streamWithCost(openrouterClient(server), {
      model: 'anthropic/claude-opus-5.5',
      max_tokens: 16_000,
      thinking: { type: 'adaptive', display: 'summarized' },
      output_config: { effort: 'low' },
      messages: HI,
    });

    expect(message.model).toBe('anthropic/claude-opus-5.5');
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Thinking at low effort.', signature: expect.stringMatching(/^sigb_/) },
      { type: 'text', text: 'Low.' },
    ]);
    expect(cost).toBe(0.0042);
    const [sent] = server.messageRequests();
    expect(sent?.body.model).toBe('anthropic/claude-opus-5.5');
    expect(sent?.forwarded).toMatchObject({ model: 'claude-opus-5-5', thinking: { type: 'adaptive', display: 'summarized' }, output_config: { effort: 'low' } });
  });

  it('sends summarized display where the request sets none, and adaptive thinking to Opus and Sonnet 5.5 when it sends no thinking at all', async () => {
    const server = await start({ mode: 'openrouter', rules: 'today' });
    server.enqueue(reply('a'), reply('b'), reply('c'), reply('d'));
    const client = openrouterClient(server);
    const ask = (model: string, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) =>
      client.messages.create({ model, max_tokens: 16_000, messages: HI, ...extra } as Anthropic.MessageCreateParamsNonStreaming);

    // No thinking field: OpenRouter sends adaptive, summarized to Sonnet 5.5, at the model's default effort (high).
    expect((await ask('anthropic/claude-sonnet-5.5')).content[0]).toMatchObject({ type: 'thinking', thinking: 'Thinking at high effort.' });
    // Haiku 5.5 gets no thinking field, so Anthropic's default applies: it thinks, shown omitted.
    expect((await ask('anthropic/claude-haiku-5.5')).content[0]).toMatchObject({ type: 'thinking', thinking: '' });
    // A budget is not forwarded: adaptive instead of the API's 400 for `enabled` on Opus 5.5.
    const budget = await ask('anthropic/claude-opus-5.5', { thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(budget.content[0]).toMatchObject({ type: 'thinking', thinking: 'Thinking at medium effort.' });
    // A display the request sets passes through.
    expect((await ask('anthropic/claude-opus-5.5', { thinking: { type: 'adaptive', display: 'omitted' } })).content[0]).toMatchObject({ thinking: '' });

    expect(server.messageRequests().map((r) => r.forwarded.thinking)).toEqual([
      { type: 'adaptive', display: 'summarized' },
      undefined,
      { type: 'adaptive', display: 'summarized' },
      { type: 'adaptive', display: 'omitted' },
    ]);
  });

  it("refuses to turn off mandatory reasoning in OpenRouter's words, an unknown id, and what the model itself refuses", async () => {
    const server = await start({ mode: 'openrouter', rules: 'today' });
    server.enqueue(reply('No thinking.'));
    const client = openrouterClient(server);
    const ask = (model: string, extra: Record<string, unknown> = {}) =>
      client.messages.create({ model, max_tokens: 16_000, messages: HI, ...extra } as Anthropic.MessageCreateParamsNonStreaming);

    const mandatory = await refusal(ask('anthropic/claude-sonnet-5.5', { thinking: { type: 'disabled' } }));
    expect(mandatory.status).toBe(400);
    expect(mandatory.message).toContain('Reasoning is mandatory for this endpoint and cannot be disabled.');
    // Haiku 5.5 can turn thinking off (at high effort or below).
    const off = await ask('anthropic/claude-haiku-5.5', { thinking: { type: 'disabled' }, output_config: { effort: 'high' } });
    expect(off.content).toEqual([{ type: 'text', text: 'No thinking.' }]);
    // The Claude API's id is not OpenRouter's.
    expect((await refusal(ask('claude-opus-5-5'))).status).toBe(404);
    // Past OpenRouter, the model's own rules: Haiku 5.5 caps effort at high with thinking off.
    const capped = await refusal(ask('anthropic/claude-haiku-5.5', { thinking: { type: 'disabled' }, output_config: { effort: 'max' } }));
    expect(capped.status).toBe(400);
    expect(capped.message).toContain('output_config.effort');
    // Sampling parameters reach the API version that removed them.
    expect((await refusal(ask('anthropic/claude-opus-5.5', { temperature: 0.2 }))).status).toBe(400);
    expect(server.requests.map((r) => r.outcome)).toEqual(['rejected', 'reply', 'rejected', 'rejected', 'rejected']);
  });

  it('does not enforce the prefix check on replayed thinking, where the Claude API does', async () => {
    const history = async (server: LocalServer, client: Anthropic, model: string) => {
      server.enqueue(reply('First.'), reply('Second.'));
      const first = await client.messages.create({
        model,
        max_tokens: 16_000,
        system: 'You are a careful reviewer.',
        thinking: { type: 'adaptive', display: 'summarized' },
        messages: HI,
      });
      // The system prompt changed after the block was produced: its prefix is not the same.
      return client.messages.create({
        model,
        max_tokens: 16_000,
        system: 'You are a hasty reviewer.',
        thinking: { type: 'adaptive', display: 'summarized' },
        messages: [...HI, { role: 'assistant', content: first.content }, { role: 'user', content: 'And an index?' }],
      });
    };
    const openrouter = await start({ mode: 'openrouter', rules: 'today' });
    expect((await history(openrouter, openrouterClient(openrouter), 'anthropic/claude-opus-5.5')).content.at(-1)).toEqual({ type: 'text', text: 'Second.' });

    const direct = await start({ rules: 'today' });
    const client = new Anthropic({ apiKey: 'x', baseURL: direct.url, maxRetries: 0 });
    const refused = await refusal(history(direct, client, 'claude-opus-5-5'));
    expect(refused.message).toContain('The block is bound to a different conversation');
  });

  it('with dropParams effort, the model works at its default effort whatever was asked', async () => {
    const server = await start({ mode: 'openrouter', rules: 'today', dropParams: ['effort'] });
    server.enqueue(reply('x'));
    const message = await openrouterClient(server).messages.create({
      model: 'anthropic/claude-opus-5.5',
      max_tokens: 16_000,
      thinking: { type: 'adaptive', display: 'summarized' },
      output_config: { effort: 'max' },
      messages: HI,
    });
    expect(message.content[0]).toMatchObject({ thinking: 'Thinking at medium effort.' });
    expect(server.messageRequests()[0]?.forwarded).not.toHaveProperty('output_config');
  });
});
