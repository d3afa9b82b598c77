import Anthropic, { BadRequestError } from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LocalServer } from './index.js';
import type { LocalServerOptions } from './types.js';
import { localServers } from '../../helpers/local-servers.js';

const MODEL = 'claude-sonnet-4-6';
const SYSTEM = 'You are a careful database reviewer. '.repeat(11).trim(); // 406 chars
const FIRST = 'The events table has 800 million rows and takes 2,000 writes per second. '.repeat(3).trim(); // 218 chars
const SECOND = 'Should we add a NOT NULL DEFAULT column to events in one transaction?'; // 69 chars
const THIRD = 'And what about an index on it?'; // 30 chars
const EPHEMERAL = { type: 'ephemeral' as const };

const { start: startServer } = localServers();
/** These tests are of the server's mechanics, under rules 'off' (any model, replies as scripted); 'today' is asked for by name. */
const start = (opts: LocalServerOptions = {}) => startServer({ rules: 'off', ...opts });

function clientFor(server: LocalServer): Anthropic {
  return new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
}

const reply = (text: string) => ({ content: [{ type: 'text' as const, text }] });
const tokens = (chars: number) => Math.ceil(chars / 4);

afterEach(() => {
  vi.useRealTimers();
});

/** A growing conversation whose newest user block carries the breakpoint, as a caching client sends it. */
function conversation(turns: string[], answers: string[]): Anthropic.MessageParam[] {
  return turns.flatMap((text, i): Anthropic.MessageParam[] => {
    const isLast = i === turns.length - 1;
    const user: Anthropic.MessageParam = { role: 'user', content: [{ type: 'text', text, ...(isLast ? { cache_control: EPHEMERAL } : {}) }] };
    return isLast ? [user] : [user, { role: 'assistant', content: answers[i] ?? '' }];
  });
}

describe('prompt cache', () => {
  it('writes the prefix of a breakpoint, then serves it to a request whose history extends it', async () => {
    const server = await start();
    server.enqueue(reply('Noted.'), reply('No: rewrite it in batches.'));
    const client = clientFor(server);
    const system = [{ type: 'text' as const, text: SYSTEM }];

    const first = await client.messages.create({ model: MODEL, max_tokens: 100, system, messages: conversation([FIRST], []) });
    const firstPrefix = tokens(SYSTEM.length + FIRST.length); // 156
    expect(first.usage).toMatchObject({
      input_tokens: 0,
      cache_creation_input_tokens: firstPrefix,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: firstPrefix, ephemeral_1h_input_tokens: 0 },
    });

    const messages = conversation([FIRST, SECOND], ['Noted.']);
    const stream = client.messages.stream({ model: MODEL, max_tokens: 100, system, messages });
    const deltaUsage: unknown[] = [];
    let startUsage: unknown;
    stream.on('streamEvent', (event) => {
      // Copied: the SDK keeps updating the message_start snapshot as later events arrive.
      if (event.type === 'message_start') startUsage = { ...event.message.usage };
      if (event.type === 'message_delta') deltaUsage.push({ ...event.usage });
    });
    const second = await stream.finalMessage();

    const { input_tokens: total } = await client.messages.countTokens({ model: MODEL, system, messages });
    expect(total).toBe(tokens(SYSTEM.length + FIRST.length + 'Noted.'.length + SECOND.length));
    const expected = { input_tokens: 0, cache_creation_input_tokens: total - firstPrefix, cache_read_input_tokens: firstPrefix };
    expect(second.usage).toMatchObject(expected);
    expect(second.usage.input_tokens + (second.usage.cache_creation_input_tokens ?? 0) + (second.usage.cache_read_input_tokens ?? 0)).toBe(total);
    // message_start carries the input side at once; message_delta repeats it cumulatively.
    expect(startUsage).toMatchObject({ ...expected, output_tokens: 1 });
    expect(deltaUsage).toEqual([{ ...expected, output_tokens: 5 }]);

    // What was sent: the earlier turn unchanged but without its breakpoint, the new one with it.
    const [, sent] = server.messageRequests();
    expect(sent?.body.messages[0].content).toEqual([{ type: 'text', text: FIRST }]);
    expect(sent?.body.messages[2].content).toEqual([{ type: 'text', text: SECOND, cache_control: EPHEMERAL }]);
  });

  it('bills the text after the last breakpoint as input, and splits writes by ttl', async () => {
    const server = await start();
    server.enqueue(reply('Noted.'), reply('Yes.'));
    const client = clientFor(server);
    // The system prompt is cached for an hour, the first turn for five minutes.
    const system = [{ type: 'text' as const, text: SYSTEM, cache_control: { type: 'ephemeral' as const, ttl: '1h' as const } }];
    const first = await client.messages.create({ model: MODEL, max_tokens: 100, system, messages: conversation([FIRST], []) });
    expect(first.usage.cache_creation).toEqual({
      ephemeral_1h_input_tokens: tokens(SYSTEM.length),
      ephemeral_5m_input_tokens: tokens(SYSTEM.length + FIRST.length) - tokens(SYSTEM.length),
    });

    // The new turn carries no breakpoint: it is read up to the old one and billed after it.
    const messages: Anthropic.MessageParam[] = [...conversation([FIRST], []), { role: 'assistant', content: 'Noted.' }, { role: 'user', content: THIRD }];
    const second = await client.messages.create({ model: MODEL, max_tokens: 100, system, messages });
    const total = tokens(SYSTEM.length + FIRST.length + 'Noted.'.length + THIRD.length);
    expect(second.usage).toMatchObject({
      input_tokens: total - tokens(SYSTEM.length + FIRST.length),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: tokens(SYSTEM.length + FIRST.length),
    });
  });

  it('writes nothing without a breakpoint', async () => {
    const server = await start();
    server.enqueue(reply('One.'), reply('Two.'), reply('Three.'));
    const client = clientFor(server);
    const plain = { model: MODEL, max_tokens: 100, system: SYSTEM, messages: [{ role: 'user' as const, content: FIRST }] };
    const total = tokens(SYSTEM.length + FIRST.length);
    for (const _ of [1, 2]) {
      const message = await client.messages.create(plain);
      expect(message.usage).toMatchObject({ input_tokens: total, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    }
    // The same prompt with a breakpoint finds nothing cached: it has to write.
    const marked = await client.messages.create({ ...plain, messages: conversation([FIRST], []) });
    expect(marked.usage).toMatchObject({ input_tokens: 0, cache_creation_input_tokens: total, cache_read_input_tokens: 0 });
  });

  it('does not cache a prefix shorter than cacheMinTokens', async () => {
    const server = await start({ cacheMinTokens: 100 });
    server.enqueue(reply('One.'), reply('Two.'), reply('Three.'), reply('Four.'));
    const client = clientFor(server);
    const short = { model: MODEL, max_tokens: 100, messages: conversation([FIRST], []) }; // 55 tokens
    for (const _ of [1, 2]) {
      const message = await client.messages.create(short);
      expect(message.usage).toMatchObject({ input_tokens: tokens(FIRST.length), cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
    }
    const long = { ...short, system: SYSTEM }; // 156 tokens
    const write = await client.messages.create(long);
    const read = await client.messages.create(long);
    expect(write.usage).toMatchObject({ input_tokens: 0, cache_creation_input_tokens: 156, cache_read_input_tokens: 0 });
    expect(read.usage).toMatchObject({ input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 156 });
  });

  it('keys entries by model, expires them after their ttl, and lets a scripted usage override', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const server = await start();
    server.enqueue(reply('1'), reply('2'), reply('3'), reply('4'), { ...reply('5'), usage: { cache_read_input_tokens: 7 } });
    const client = clientFor(server);
    const params = { model: MODEL, max_tokens: 100, system: SYSTEM, messages: conversation([FIRST], []) };
    const usage = async (p: typeof params) => (await client.messages.create(p)).usage;

    expect((await usage(params)).cache_creation_input_tokens).toBe(156);
    expect((await usage({ ...params, model: 'claude-haiku-4-5' })).cache_creation_input_tokens).toBe(156);
    vi.setSystemTime(Date.now() + 4 * 60_000);
    expect((await usage(params)).cache_read_input_tokens).toBe(156); // and the read refreshes the entry
    vi.setSystemTime(Date.now() + 5 * 60_000 + 1);
    expect(await usage(params)).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 156 });
    // A scripted usage replaces the whole input side: the omitted fields are the full estimate and 0.
    expect(await usage(params)).toMatchObject({ input_tokens: 156, cache_read_input_tokens: 7, cache_creation_input_tokens: 0 });
  });

  it('rejects more than four breakpoints with a 400', async () => {
    const server = await start();
    const block = (text: string) => ({ type: 'text' as const, text, cache_control: EPHEMERAL });
    const error = await clientFor(server)
      .messages.create({ model: MODEL, max_tokens: 10, system: [block('a'), block('b')], messages: [{ role: 'user', content: [block('c'), block('d'), block('e')] }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(server.requests[0]).toMatchObject({ outcome: 'rejected', rejection: 'A maximum of 4 blocks with cache_control may be provided. Found 5.' });
  });
});
