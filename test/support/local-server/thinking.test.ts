import type Anthropic from '@anthropic-ai/sdk';
import { BadRequestError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { signThinking, type LocalServer } from './index.js';
import type { LocalServerOptions } from './types.js';
import { clientFor, localServers, refusal } from '../../helpers/local-servers.js';

const SYSTEM = 'You are a careful database reviewer.';
const FIRST = 'Should the events table get a NOT NULL column?';
const SECOND = 'And an index on it?';
const reply = (text: string) => ({ content: [{ type: 'text' as const, text }] });
const thoughtful = (thinking: string, text: string) => ({
  content: [
    { type: 'thinking' as const, thinking },
    { type: 'text' as const, text },
  ],
});
const bound = (path: string) =>
  `${path}: Invalid \`signature\` in \`thinking\` block. The block is bound to a different conversation. Remove the block, or set \`thinking.block_binding.prefix_mismatch_behavior\` to "drop_block".`;

const { start: startServer } = localServers();
/** These tests are of the server's mechanics, under rules 'off' (any model, replies as scripted); 'today' is asked for by name. */
const start = (opts: LocalServerOptions = {}) => startServer({ rules: 'off', ...opts });

/** The second turn's history: the first question, the reply as it came back, the next question. */
function secondTurn(first: Anthropic.Message, question = FIRST): Anthropic.MessageParam[] {
  return [
    { role: 'user', content: question },
    { role: 'assistant', content: first.content },
    { role: 'user', content: SECOND },
  ];
}

describe('thinking on the 5.x line', () => {
  it('thinks when the request says nothing, shown omitted: an empty block that keeps its signature', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('Plain.'), reply('Streamed.'));
    const client = clientFor(server);
    const params = { model: 'claude-opus-5-5', max_tokens: 1000, messages: [{ role: 'user' as const, content: FIRST }] };

    const plain = await client.messages.create(params);
    expect(plain.content).toEqual([
      { type: 'thinking', thinking: '', signature: expect.stringMatching(/^sigb_/) },
      { type: 'text', text: 'Plain.' },
    ]);
    const stream = client.messages.stream(params);
    const deltas: string[] = [];
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_delta') deltas.push(event.delta.type);
    });
    const streamed = await stream.finalMessage();
    expect(deltas).toEqual(['signature_delta', 'text_delta']);
    expect(streamed.content[0]).toEqual({ type: 'thinking', thinking: '', signature: expect.stringMatching(/^sigb_/) });
    expect(server.messageRequests().map((r) => r.body.thinking)).toEqual([undefined, undefined]);
  });

  it("shows the text with display 'summarized', at the model's default effort or the one asked for", async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('a'), reply('b'), reply('c'), reply('d'), thoughtful('My own reasoning.', 'e'));
    const client = clientFor(server);
    const summarized = { type: 'adaptive', display: 'summarized' } as const;
    const thinkingOf = async (model: string, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) => {
      const message = await client.messages.create({ model, max_tokens: 1000, thinking: summarized, messages: [{ role: 'user', content: FIRST }], ...extra });
      return message.content[0]?.type === 'thinking' ? message.content[0].thinking : undefined;
    };

    expect(await thinkingOf('claude-opus-5-5')).toBe('Thinking at medium effort.');
    expect(await thinkingOf('claude-opus-5-5', { output_config: { effort: 'high' } })).toBe('Thinking at high effort.');
    expect(await thinkingOf('claude-sonnet-5-5')).toBe('Thinking at high effort.');
    expect(await thinkingOf('claude-haiku-5-5')).toBe('Thinking at medium effort.');
    expect(await thinkingOf('claude-fable-5-2')).toBe('My own reasoning.');
  });

  it('leaves thinking out where it is off: disabled on Haiku 5.5, omitted on Opus 4.8', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(thoughtful('Hidden.', 'Haiku, no thinking.'), thoughtful('Hidden.', 'Opus 4.8, no thinking.'), reply('Opus 4.8, adaptive.'), reply('Sonnet 4.6, adaptive.'));
    const client = clientFor(server);
    const ask = (model: string, thinking?: Anthropic.ThinkingConfigParam) =>
      client.messages.create({ model, max_tokens: 1000, messages: [{ role: 'user', content: FIRST }], ...(thinking ? { thinking } : {}) });

    expect((await ask('claude-haiku-5-5', { type: 'disabled' })).content).toEqual([{ type: 'text', text: 'Haiku, no thinking.' }]);
    expect((await ask('claude-opus-4-8')).content).toEqual([{ type: 'text', text: 'Opus 4.8, no thinking.' }]);
    // Opus 4.8 thinks when asked, and shows it omitted by default; Sonnet 4.6 shows it summarized.
    expect((await ask('claude-opus-4-8', { type: 'adaptive' })).content[0]).toMatchObject({ type: 'thinking', thinking: '' });
    expect((await ask('claude-sonnet-4-6', { type: 'adaptive' })).content[0]).toMatchObject({ type: 'thinking', thinking: 'Thinking at high effort.' });
  });
});

describe('thinking bound to its conversation (preserved thinking)', () => {
  it('accepts the block back in the same conversation, with the cache breakpoint moved', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('Yes, in batches.'), reply('Build it concurrently.'));
    const client = clientFor(server);
    const first = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1000, system: SYSTEM, messages: [{ role: 'user', content: FIRST }] });

    // The same conversation, now with breakpoints on the system prompt and the newest turn.
    const cached = { type: 'ephemeral' as const };
    const messages = secondTurn(first);
    messages[2] = { role: 'user', content: [{ type: 'text', text: SECOND, cache_control: cached }] };
    const second = await client.messages
      .stream({ model: 'claude-opus-5-5', max_tokens: 1000, system: [{ type: 'text', text: SYSTEM, cache_control: cached }], messages })
      .finalMessage();
    expect(second.content.at(-1)).toEqual({ type: 'text', text: 'Build it concurrently.' });
    // What was sent back: the empty thinking block exactly as it came.
    expect(server.messageRequests()[1]?.body.messages[1].content[0]).toEqual(first.content[0]);
    expect(server.messageRequests()[1]?.droppedThinking).toBeUndefined();
  });

  it('answers the real 400 when the system prompt, the tools or an earlier message changed', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('Yes, in batches.'));
    const client = clientFor(server);
    const first = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1000, system: SYSTEM, messages: [{ role: 'user', content: FIRST }] });
    const send = (params: Partial<Anthropic.MessageCreateParamsNonStreaming>) =>
      refusal(client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1000, system: SYSTEM, messages: secondTurn(first), ...params }));

    const cases = [
      // A memory layer that rebuilds the system prompt every turn.
      await send({ system: `${SYSTEM}\nRemembered: the table is large.` }),
      await send({ messages: secondTurn(first, `${FIRST} (edited)`) }),
      await send({ tools: [{ name: 'lookup', description: 'Look a table up.', input_schema: { type: 'object' } }] }),
    ];
    for (const error of cases) {
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', apiMessage: bound('messages.1.content.0') });
    }
    // Editing the thinking itself breaks the seal, whatever the conversation.
    const filledIn = first.content.map((b) => (b.type === 'thinking' ? { ...b, thinking: 'Invented.' } : b));
    const edited = await send({
      messages: [
        { role: 'user', content: FIRST },
        { role: 'assistant', content: filledIn },
        { role: 'user', content: SECOND },
      ],
    });
    expect(edited.apiMessage).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
    expect(server.messageRequests().map((r) => r.outcome)).toEqual(['reply', 'rejected', 'rejected', 'rejected', 'rejected']);
  });

  it('binds a later block to every message before it, replies included', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('One.'), reply('Two.'));
    const client = clientFor(server);
    const model = 'claude-sonnet-5-5';
    const first = await client.messages.create({ model, max_tokens: 1000, messages: [{ role: 'user', content: FIRST }] });
    const second = await client.messages.create({ model, max_tokens: 1000, messages: secondTurn(first) });
    const third = (firstReply: Anthropic.ContentBlockParam[]): Anthropic.MessageParam[] => [
      { role: 'user', content: FIRST },
      { role: 'assistant', content: firstReply },
      { role: 'user', content: SECOND },
      { role: 'assistant', content: second.content },
      { role: 'user', content: 'Thanks.' },
    ];
    const reworded = first.content.map((b) => (b.type === 'text' ? { ...b, text: 'One, reworded.' } : b));
    const error = await refusal(client.messages.create({ model, max_tokens: 1000, messages: third(reworded) }));
    // The first turn's own block is still fine; the second turn's is bound to the old wording.
    expect(error.apiMessage).toBe(bound('messages.3.content.0'));
  });

  it('binds a block to the blocks before it in its own message: leaving one out is a change', async () => {
    const server = await start({ rules: 'today' });
    const summarized = { type: 'adaptive', display: 'summarized' } as const;
    server.enqueue({
      content: [
        { type: 'thinking', thinking: 'First, the lock.' },
        { type: 'text', text: 'Checking.' },
        { type: 'thinking', thinking: 'Then the index.' },
        { type: 'text', text: 'Done.' },
      ],
    });
    const client = clientFor(server);
    const first = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1000, thinking: summarized, messages: [{ role: 'user', content: FIRST }] });
    const trimmed = { ...first, content: first.content.slice(1) };
    const error = await refusal(client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1000, thinking: summarized, messages: secondTurn(trimmed) }));
    expect(error.apiMessage).toBe(bound('messages.1.content.1'));
  });

  it('silently drops blocks another model cannot read; Fable 5.1 reads Opus 5.5 and checks its prefix', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('From Opus 5.5.'), reply('Sonnet 5.5 answers.'), reply('Opus 4.8 answers.'), reply('Fable 5.1 answers.'));
    const client = clientFor(server);
    const first = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1000, system: SYSTEM, messages: [{ role: 'user', content: FIRST }] });
    const replay = (model: string, system = SYSTEM) => client.messages.create({ model, max_tokens: 1000, system, messages: secondTurn(first) });

    await replay('claude-sonnet-5-5');
    await replay('claude-opus-4-8');
    await replay('claude-fable-5-1');
    expect(server.messageRequests().map((r) => r.droppedThinking)).toEqual([undefined, ['messages.1.content.0'], ['messages.1.content.0'], undefined]);
    expect((await refusal(replay('claude-fable-5-1', 'Another system prompt.'))).apiMessage).toBe(bound('messages.1.content.0'));
  });

  it("drops an older model's block on a model with preserved thinking", async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('From Opus 4.8.'), reply('Haiku 5.5 answers.'));
    const client = clientFor(server);
    const first = await client.messages.create({ model: 'claude-opus-4-8', max_tokens: 1000, thinking: { type: 'adaptive' }, messages: [{ role: 'user', content: FIRST }] });
    expect(first.content[0]?.type).toBe('thinking');
    await client.messages.create({ model: 'claude-haiku-5-5', max_tokens: 1000, messages: secondTurn(first) });
    expect(server.messageRequests()[1]?.droppedThinking).toEqual(['messages.1.content.0']);
  });

  it('does not bind thinking on models without preserved thinking, but still seals its text', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(thoughtful('Weighing the lock.', 'Use batches.'), reply('Accepted.'));
    const client = clientFor(server);
    const thinking = { type: 'adaptive', display: 'summarized' } as const;
    const first = await client.messages.create({ model: 'claude-opus-4-8', max_tokens: 1000, thinking, system: SYSTEM, messages: [{ role: 'user', content: FIRST }] });
    expect(first.content[0]).toEqual({ type: 'thinking', thinking: 'Weighing the lock.', signature: expect.stringMatching(/^sigb_/) });
    // In rules 'today' even an unbound block names its model, so it is not signThinking's.
    expect(first.content[0]).not.toMatchObject({ signature: signThinking('Weighing the lock.') });

    const next = await client.messages.create({ model: 'claude-opus-4-8', max_tokens: 1000, thinking, system: 'Rebuilt.', messages: secondTurn(first) });
    expect(next.content.at(-1)).toEqual({ type: 'text', text: 'Accepted.' });
  });
});

describe('mid-conversation system messages', () => {
  it('are accepted where the model takes them, and do not invalidate earlier thinking', async () => {
    const server = await start({ rules: 'today' });
    server.enqueue(reply('Noted.'), reply('With the memory.'));
    const client = clientFor(server);
    const model = 'claude-opus-5-5';
    const recalled: Anthropic.MessageParam = { role: 'system', content: 'Remembered: the table has 800M rows.' };
    const first = await client.messages.create({ model, max_tokens: 1000, system: SYSTEM, messages: [{ role: 'user', content: FIRST }, recalled] });
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: FIRST },
      recalled,
      { role: 'assistant', content: first.content },
      { role: 'user', content: SECOND },
      { role: 'system', content: 'Remembered: writes peak at 2,000/s.' },
    ];
    const second = await client.messages.create({ model, max_tokens: 1000, system: SYSTEM, messages });
    expect(second.content.at(-1)).toEqual({ type: 'text', text: 'With the memory.' });
    expect(server.messageRequests()[1]?.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'system', 'assistant', 'user', 'system']);

    // Taking the earlier system message back out is a change to the block's prefix.
    const withoutIt = messages.filter((m) => m !== recalled);
    expect((await refusal(client.messages.create({ model, max_tokens: 1000, system: SYSTEM, messages: withoutIt }))).apiMessage).toBe(bound('messages.1.content.0'));
  });

  it('are refused on models that do not take them, out of place, and with rules off', async () => {
    const today = await start({ rules: 'today' });
    const off = await start();
    const system: Anthropic.MessageParam = { role: 'system', content: 'Remembered: something.' };
    const ask = (server: LocalServer, model: string, messages: Anthropic.MessageParam[]) => refusal(clientFor(server).messages.create({ model, max_tokens: 100, messages }));

    expect((await ask(today, 'claude-opus-4-7', [{ role: 'user', content: FIRST }, system])).apiMessage).toBe("messages.1.role: role 'system' is not supported on this model");
    const misplaced = [{ role: 'user' as const, content: FIRST }, { role: 'assistant' as const, content: 'Yes.' }, system, { role: 'user' as const, content: SECOND }];
    expect((await ask(today, 'claude-opus-5-5', misplaced)).apiMessage).toBe('messages.2: a system message must come right after a user message');
    expect((await ask(off, 'claude-opus-5-5', [{ role: 'user', content: FIRST }, system])).apiMessage).toBe("messages.1.role: Input should be 'user' or 'assistant'");
  });
});
