import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer, type Scripted } from '../support/local-server/index.js';
import { messagesHash } from '../../engine/replay/request.js';
import { replyText } from '../../engine/transcript/format.js';
import { UsageError } from '../../engine/errors.js';
import { FAKE_KEY, runAgainst } from '../helpers/replay.js';

const THREE = 'test/fixtures/replay/three-steps.yaml';
const reply = (text: string, thinking?: string): Scripted => ({
  content: [...(thinking ? [{ type: 'thinking' as const, thinking }] : []), { type: 'text' as const, text }],
});

let server: LocalServer;
beforeEach(async () => {
  server = await startLocalServer();
});
afterEach(async () => {
  // The server answers 500 to anything it was not told to expect; none may have happened.
  expect(server.unexpected()).toEqual([]);
  await server.close();
});

describe('conversation semantics', () => {
  it("sends each step as its own user turn, with the model's own earlier replies in the history", async () => {
    server.enqueue(reply('One: 200 ms, noted.', 'think one'), reply('Two: 800 million rows.', 'think two'), reply('Three: no.', 'think three'));
    const { transcripts } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-4-7'], efforts: ['high'] });

    const sent = server.messageRequests().map((r) => r.body as { messages: Array<{ role: string; content: unknown }>; system?: string });
    expect(sent.map((b) => b.messages.length)).toEqual([1, 3, 5]);
    expect(sent[2]!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user']);
    // Prompt caching is on by default: user turns are text blocks, and only the newest carries
    // the cache_control breakpoint, so each request's prefix is the last one's, byte for byte.
    expect(sent[2]!.messages[0]!.content).toEqual([{ type: 'text', text: 'No migration step may hold a lock longer than 200 ms. Confirm.' }]);
    expect(sent[2]!.messages[4]!.content).toEqual([
      { type: 'text', text: 'Should we add a NOT NULL DEFAULT column to events in one transaction?', cache_control: { type: 'ephemeral' } },
    ]);
    expect(sent[1]!.messages[2]!.content).toEqual([{ type: 'text', text: 'The events table has 800 million rows. What does that mean?', cache_control: { type: 'ephemeral' } }]);
    expect(JSON.stringify(sent[2]!.messages.slice(0, 2))).toBe(JSON.stringify(sent[1]!.messages.slice(0, 2)));
    // The model's own reply to step 1, thinking first, signature untouched (as it came back).
    const signature = (step: number) => transcripts[0]!.turns[step - 1]!.response!.content[0]!.signature;
    expect(signature(1)).toMatch(/^sigb_/);
    expect(sent[2]!.messages[1]!.content).toEqual([
      { type: 'thinking', thinking: 'think one', signature: signature(1) },
      { type: 'text', text: 'One: 200 ms, noted.' },
    ]);
    expect(sent[2]!.messages[3]!.content).toEqual([
      { type: 'thinking', thinking: 'think two', signature: signature(2) },
      { type: 'text', text: 'Two: 800 million rows.' },
    ]);

    const [t] = transcripts;
    expect(t!.status).toBe('complete');
    expect(t!.turns.map(replyText)).toEqual(['One: 200 ms, noted.', 'Two: 800 million rows.', 'Three: no.']);
    expect(t!.turns[2]!.response!.content[0]).toEqual({ type: 'thinking', thinking: 'think three', signature: expect.stringMatching(/^sigb_/) });
    // What the transcript says was sent is what the server received.
    t!.turns.forEach((turn, i) => {
      expect(turn.request.messages_sha256).toBe(messagesHash(sent[i]!.messages as never));
      expect(turn.request.message_count).toBe(sent[i]!.messages.length);
    });
    expect(t!.turns[0]!.response!.request_id).toBe(server.messageRequests()[0]!.requestId);
    expect(t!.turns[0]!.timing.ttft_ms).not.toBeNull();
  });

  it('asks for summarized adaptive thinking and sends effort as output_config.effort at high and xhigh', async () => {
    server.enqueue(...Array.from({ length: 6 }, (_, i) => reply(`r${i}`, `t${i}`)));
    await runAgainst(server, { paths: [THREE], models: ['claude-opus-4-7'], efforts: ['high', 'xhigh'], concurrency: 1 });
    const bodies = server.messageRequests().map((r) => r.body as Record<string, unknown>);
    expect(bodies[0]).toMatchObject({ model: 'claude-opus-4-7', thinking: { type: 'adaptive', display: 'summarized' }, output_config: { effort: 'high' }, stream: true });
    expect(bodies[3]).toMatchObject({ output_config: { effort: 'xhigh' } });
    expect(bodies[3]!.max_tokens as number).toBeGreaterThanOrEqual(64000);
  });

  it('sends neither effort nor thinking at standard effort', async () => {
    server.enqueue(reply('a'), reply('b'), reply('c'));
    const { transcripts } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-4-7'], efforts: ['standard'] });
    for (const r of server.messageRequests()) {
      expect(r.body).not.toHaveProperty('thinking');
      expect(r.body).not.toHaveProperty('output_config');
    }
    expect(transcripts[0]!.turns[0]!.request.requested).toEqual({ effort: 'standard', thinking: 'none' });
  });

  it('sends prefilled assistant turns as given and generates only the marked steps', async () => {
    server.enqueue(reply('No, wait until Monday.'));
    const { transcripts } = await runAgainst(server, { paths: ['test/fixtures/replay/prefilled.yaml'], models: ['claude-opus-4-7'], efforts: ['standard'] });
    const [only, ...rest] = server.messageRequests();
    expect(rest).toEqual([]);
    const text = (t: string) => [{ type: 'text', text: t }];
    expect((only!.body as { messages: unknown[]; system: string }).messages).toEqual([
      { role: 'user', content: text('Our rule is that we never deploy on a Friday.') },
      { role: 'assistant', content: text('Understood, no Friday deploys.') },
      { role: 'user', content: text('The release is ready on Thursday evening.') },
      { role: 'assistant', content: text('Then it can go out Thursday, or wait until Monday.') },
      { role: 'user', content: [{ type: 'text', text: 'It slipped to Friday morning. Ship it?', cache_control: { type: 'ephemeral' } }] },
    ]);
    expect((only!.body as { system: string }).system).toBe('You are a careful assistant.');
    expect(transcripts[0]!.turns.map((t) => t.kind)).toEqual(['prefilled', 'prefilled', 'generated']);
  });
});

describe('model profiles', () => {
  it('never sends a parameter the profile says the model rejects, and records why it was dropped', async () => {
    // SDK 1.x speaks API version 2026-10-21, which takes no sampling parameters on any model
    // (https://platform.claude.com/docs/en/api/versioning): --temperature is kept back for both.
    server.enqueue(reply('a'), reply('b'), reply('c'), reply('d'), reply('e'), reply('f'));
    const { transcripts } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-4-7', 'claude-opus-4-6'], efforts: ['high'], temperature: 0.2, concurrency: 1 });
    expect(server.messageRequests()).toHaveLength(6);
    for (const r of server.messageRequests()) {
      expect(r.body).not.toHaveProperty('temperature');
      expect(r.outcome).toBe('reply');
    }
    for (const model of ['claude-opus-4-7', 'claude-opus-4-6']) {
      const t = transcripts.find((x) => x.cell.model === model)!;
      expect(t.turns[0]!.request.dropped).toEqual([{ param: 'temperature', value: 0.2, reason: `${model} rejects temperature with a 400 (model profile)` }]);
      expect(t.turns[0]!.request.params).toMatchObject({ output_config: { effort: 'high' }, thinking: { type: 'adaptive', display: 'summarized' } });
    }
  });

  it('refuses an effort a model does not take before anything is sent, naming the levels it takes', async () => {
    const err = await runAgainst(server, { paths: [THREE], models: ['claude-opus-4-6'], efforts: ['xhigh'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/--effort xhigh: claude-opus-4-6 does not take that effort level; it takes low, medium, high, max, or default/);
    expect(server.messageRequests()).toHaveLength(0);
  });

  it('computes cost from the profile, and gives an unknown model no price rather than a guess', async () => {
    // An Anthropic-compatible endpoint (any model id, no Models API): the profiles are all
    // driftbench knows, and the mystery model has none (with a Models API, an unknown model is
    // refused before anything is sent).
    await server.close();
    server = await startLocalServer({ modelsApi: false, rules: 'off' });
    server.enqueue(
      { content: [{ type: 'text', text: 'a' }], usage: { input_tokens: 1000, output_tokens: 200 } },
      reply('b'),
      reply('c'),
      { content: [{ type: 'text', text: 'x' }], usage: { input_tokens: 1000, output_tokens: 200 } },
      reply('y'),
      reply('z'),
    );
    const { transcripts, output } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-4-7', 'claude-mystery-9'], efforts: ['high'], concurrency: 1 });
    const known = transcripts.find((t) => t.cell.model === 'claude-opus-4-7')!;
    expect(known.turns[0]!.cost_usd).toBeCloseTo((1000 * 5 + 200 * 25) / 1e6, 10);
    const unknown = transcripts.find((t) => t.cell.model === 'claude-mystery-9')!;
    expect(unknown.turns.map((t) => t.cost_usd)).toEqual([null, null, null]);
    // A plain line, not a log record.
    expect(output.stderr.some((l) => l.startsWith('warning: ') && l.includes('claude-mystery-9 has no model profile'))).toBe(true);
  });
});

describe('faults', () => {
  it.each([
    ['429 with retry-after', { fault: 'rate-limit', retryAfterS: 1, retryAfterMs: 20 } as const, 'http-error', 429],
    ['529 overloaded', { fault: 'overloaded' } as const, 'http-error', 529],
    ['500', { fault: 'server-error' } as const, 'http-error', 500],
    ['a stream cut mid-message', { fault: 'cut-stream' } as const, 'stream-error', 200],
    ['a mid-stream error event', { fault: 'stream-error' } as const, 'stream-error', 200],
    ['malformed SSE', { fault: 'malformed-sse' } as const, 'stream-error', 200],
  ])('retries %s and records the failed attempt', async (_name, fault, outcome, status) => {
    server.enqueue(fault, reply('recovered'), reply('b'), reply('c'));
    const { transcripts, manifest } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-4-7'], efforts: ['high'] });
    const t = transcripts[0]!;
    expect(t.status).toBe('complete');
    expect(replyText(t.turns[0]!)).toBe('recovered');
    expect(t.turns[0]!.attempts.map((a) => [a.outcome, a.status])).toEqual([
      [outcome, status],
      ['ok', 200],
    ]);
    // retry-after-ms (20) is finer than retry-after (1 s), and is what the SDK waits for.
    if (fault.fault === 'rate-limit') expect(t.turns[0]!.attempts[0]!.retry_after_s).toBe(0.02);
    expect(manifest.status).toBe('complete');
    expect(server.messageRequests()).toHaveLength(4);
  });

  it('marks a conversation errored with its cause when the retry budget is spent, and carries on with the rest', async () => {
    server.enqueue({ fault: 'server-error' }, { fault: 'server-error' }, reply('other-1'), reply('other-2'), reply('other-3'));
    const { transcripts, manifest } = await runAgainst(server, {
      paths: [THREE, 'test/fixtures/replay/prefilled.yaml'],
      models: ['claude-opus-4-7'],
      efforts: ['standard'],
      maxRetries: 1,
      concurrency: 1,
    });
    const failed = transcripts.find((t) => t.scenario.id === 'minimal-lock-budget')!;
    expect(failed.status).toBe('errored');
    expect(failed.status_reason).toMatch(/step 1 failed after 2 attempt\(s\): api_error \(HTTP 500\)/);
    expect(failed.turns).toHaveLength(1);
    expect(failed.turns[0]!.response).toBeNull();
    expect(failed.turns[0]!.error).toMatchObject({ type: 'api_error', status: 500 });
    expect(failed.turns[0]!.attempts.map((a) => a.status)).toEqual([500, 500]);
    expect(transcripts.find((t) => t.scenario.id === 'prefilled-history')!.status).toBe('complete');
    expect(manifest).toMatchObject({ status: 'partial', counts: { errored: 1, complete: 1 } });
  });

  it('records a refusal, stops the conversation there and says why', async () => {
    server.enqueue(reply('ok'), { fault: 'refusal', explanation: 'This request could enable harm.' });
    const { transcripts, manifest } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-4-7'], efforts: ['high'] });
    const t = transcripts[0]!;
    expect(t.status).toBe('refused');
    expect(t.status_reason).toBe('step 2 was refused: This request could enable harm.; the conversation cannot continue past a refusal');
    expect(t.turns).toHaveLength(2);
    expect(t.turns[1]!.response).toMatchObject({ stop_reason: 'refusal', stop_details: { type: 'refusal', explanation: 'This request could enable harm.' } });
    expect(server.messageRequests()).toHaveLength(2);
    expect(manifest.counts.refused).toBe(1);
  });

  it('records a max_tokens stop and does not build later steps on the cut-off reply', async () => {
    server.enqueue({ content: [{ type: 'text', text: 'The migration plan is as foll' }], stop_reason: 'max_tokens' });
    const { transcripts } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-4-7'], efforts: ['high'] });
    expect(transcripts[0]).toMatchObject({ status: 'max_tokens' });
    expect(transcripts[0]!.status_reason).toMatch(/^step 1 hit max_tokens \(32000\)/);
    expect(server.messageRequests()).toHaveLength(1);
  });
});

describe('OpenRouter', () => {
  it('records what was requested when the provider silently drops effort and thinking, and keeps its cost', async () => {
    // OpenRouter as it was until June 2026: effort and thinking ignored without a word.
    const or = await startLocalServer({ mode: 'openrouter', dropParams: ['effort', 'thinking'] });
    try {
      or.enqueue(
        ...['a', 'b', 'c'].map((t) => ({
          content: [
            { type: 'thinking' as const, thinking: 'dropped' },
            { type: 'text' as const, text: t },
          ],
          cost: 0.0123,
        })),
      );
      const { transcripts } = await runAgainst(or, { paths: [THREE], provider: 'openrouter', baseUrl: `${or.url}/api`, models: ['claude-opus-4-7'], efforts: ['xhigh'] });
      const body = or.messageRequests()[0]!.body as Record<string, unknown>;
      expect(or.messageRequests()[0]!.path).toBe('/api/v1/messages');
      expect(body).toMatchObject({ model: 'anthropic/claude-4.7-opus', output_config: { effort: 'xhigh' } });
      const t = transcripts[0]!;
      expect(t.provider).toEqual({ name: 'openrouter', base_url_host: new URL(or.url).host });
      expect(t.model_requested).toBe('anthropic/claude-4.7-opus');
      expect(t.turns[0]!.request.requested).toEqual({ effort: 'xhigh', thinking: 'adaptive' });
      // No thinking came back: the report's effect check can see it.
      expect(t.turns[0]!.response!.content.map((b) => b.type)).toEqual(['text']);
      expect(t.turns[0]!.provider_cost_usd).toBe(0.0123);
      expect(or.unexpected()).toEqual([]);
    } finally {
      await or.close();
    }
  });
});

describe('secrets', () => {
  it('sends the key to the server and never writes it into a transcript or manifest', async () => {
    server.enqueue(reply('a'), reply('b'), reply('c'));
    const { transcripts, dir } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-4-7'], efforts: ['high'] });
    const auth = server.messageRequests()[0]!.headers;
    expect(auth['x-api-key'] ?? auth.authorization).toContain(FAKE_KEY);
    const { readFile } = await import('node:fs/promises');
    expect(JSON.stringify(transcripts)).not.toContain(FAKE_KEY);
    expect(await readFile(`${dir}/manifest.json`, 'utf8')).not.toContain(FAKE_KEY);
  });
});

describe("today's models (the local server playing today's API)", () => {
  const today = async () => {
    await server.close();
    server = await startLocalServer({ rules: 'today' });
  };

  it('asks for summarized thinking at default effort where the model thinks by default, sends no effort, and stores the thinking', async () => {
    await today();
    server.enqueue(reply('one', 'weighing the lock budget'), reply('two', 'eight hundred million rows'), reply('three', 'the trap'));
    const { transcripts } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-5-5'], efforts: ['default'] });
    for (const r of server.messageRequests()) {
      expect(r.outcome).toBe('reply');
      expect(r.body).toMatchObject({ thinking: { type: 'adaptive', display: 'summarized' } });
      expect(r.body).not.toHaveProperty('output_config');
    }
    const t = transcripts[0]!;
    expect(t.status).toBe('complete');
    expect(t.turns.map((x) => x.response!.content.find((b) => b.type === 'thinking')?.thinking)).toEqual(['weighing the lock budget', 'eight hundred million rows', 'the trap']);
  });

  it('leaves a model whose thinking is off by default as it comes at default effort', async () => {
    await today();
    server.enqueue(reply('a'), reply('b'), reply('c'));
    await runAgainst(server, { paths: [THREE], models: ['claude-opus-4-7'], efforts: ['default'] });
    for (const r of server.messageRequests()) {
      expect(r.body).not.toHaveProperty('thinking');
      expect(r.body).not.toHaveProperty('output_config');
    }
  });

  it('stops a conversation whose reply filled the context window, as it stops a max_tokens cut-off', async () => {
    await today();
    server.enqueue({ content: [{ type: 'text', text: 'and then the' }], stop_reason: 'model_context_window_exceeded' });
    const { transcripts } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-5-5'], efforts: ['high'] });
    expect(server.messageRequests()).toHaveLength(1);
    const t = transcripts[0]!;
    expect(t.status).toBe('max_tokens');
    expect(t.status_reason).toMatch(/step 1 filled the model's context window \(model_context_window_exceeded\)/);
    expect(t.turns[0]!.response!.stop_reason).toBe('model_context_window_exceeded');
  });

  it('continues a reply that stopped with pause_turn by sending it back, and keeps the parts as one turn', async () => {
    await today();
    const usage = { input_tokens: 100, output_tokens: 10 };
    server.enqueue(
      {
        content: [
          { type: 'thinking', thinking: 'first half' },
          { type: 'text', text: 'Two hundred' },
        ],
        stop_reason: 'pause_turn',
        usage,
      },
      { content: [{ type: 'text', text: ' milliseconds, noted.' }], usage },
      reply('two', 'rows'),
      reply('three', 'trap'),
    );
    const { transcripts } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-5-5'], efforts: ['high'] });
    const bodies = server.messageRequests().map((r) => r.body as { messages: Array<{ role: string; content: Array<{ type: string; text?: string }> }> });
    expect(bodies.map((b) => b.messages.map((m) => m.role))).toEqual([
      ['user'],
      // The paused reply goes back as the last message, as sent, for the model to finish.
      ['user', 'assistant'],
      ['user', 'assistant', 'user'],
      ['user', 'assistant', 'user', 'assistant', 'user'],
    ]);
    expect(bodies[1]!.messages[1]!.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    const t = transcripts[0]!;
    expect(t.status).toBe('complete');
    const first = t.turns[0]!;
    // One turn: both parts' content, the last part's stop reason, the usage of both requests.
    expect(first.response!.content.filter((b) => b.type === 'text').map((b) => b.text)).toEqual(['Two hundred', ' milliseconds, noted.']);
    expect(first.response!.content[0]).toMatchObject({ type: 'thinking', thinking: 'first half' });
    expect(first.response!.stop_reason).toBe('end_turn');
    expect(first.response!.usage.output_tokens).toBeGreaterThan(10);
    expect(first.attempts.map((a) => a.outcome)).toEqual(['ok', 'ok']);
    // The next step sends the joined reply back in one assistant message, and the server takes
    // its thinking as bound to this conversation (no 400).
    expect(bodies[2]!.messages[1]!.content).toEqual(first.response!.content.map((b) => expect.objectContaining({ type: b.type })));
    expect(bodies[2]!.messages[1]!.content.filter((b) => b.type === 'text')).toHaveLength(2);
    expect(server.messageRequests().every((r) => r.outcome === 'reply')).toBe(true);
  });

  it('stops a conversation still paused after as many continuations as the retry budget allows', async () => {
    await today();
    const paused = { content: [{ type: 'text' as const, text: 'still going' }], stop_reason: 'pause_turn' as const };
    server.enqueue(paused, paused, paused);
    const { transcripts } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-5-5'], efforts: ['high'], maxRetries: 2 });
    expect(server.messageRequests()).toHaveLength(3);
    const t = transcripts[0]!;
    expect(t.status).toBe('errored');
    expect(t.status_reason).toMatch(/step 1 still paused \(pause_turn\) after 3 request\(s\)/);
    expect(t.turns[0]!.response!.content.filter((b) => b.type === 'text')).toHaveLength(3);
  });

  it('stops, with the reason, on a stop reason it does not know, rather than going on', async () => {
    await today();
    server.enqueue({ content: [{ type: 'text', text: 'hm' }], stop_reason: 'compaction' as never });
    const { transcripts } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-5-5'], efforts: ['high'] });
    expect(server.messageRequests()).toHaveLength(1);
    expect(transcripts[0]!.status).toBe('errored');
    expect(transcripts[0]!.status_reason).toMatch(/stop_reason compaction, which driftbench does not know how to continue from/);
  });

  it('keeps every usage field the API returns, not only the four token counts', async () => {
    await today();
    server.enqueue(reply('a', 'think'), reply('b'), reply('c'));
    const { transcripts } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-5-5'], efforts: ['high'] });
    const sent = server.messageRequests().length;
    expect(sent).toBe(3);
    const usage = transcripts[0]!.turns[0]!.response!.usage;
    expect(usage).toMatchObject({ service_tier: 'standard', cache_creation: { ephemeral_5m_input_tokens: expect.any(Number), ephemeral_1h_input_tokens: 0 } });
    expect(usage).toHaveProperty('inference_geo');
    expect(usage.thinking_tokens).toBeGreaterThan(0);
  });

  it('prices a turn another model answered at that model’s prices, and records who answered', async () => {
    await today();
    const usage = { input_tokens: 1000, output_tokens: 200 };
    server.enqueue(
      { content: [{ type: 'text', text: 'a' }], usage, model: 'claude-sonnet-5-5' },
      { content: [{ type: 'text', text: 'b' }], usage },
      { content: [{ type: 'text', text: 'c' }], usage },
    );
    const { transcripts } = await runAgainst(server, { paths: [THREE], models: ['claude-opus-5-5'], efforts: ['high'] });
    const [first, second] = transcripts[0]!.turns;
    expect(first!.response!.model).toBe('claude-sonnet-5-5');
    // Sonnet 5.5: $2 in, $10 out per million; Opus 5.5 (the next turn): $4 in, $20 out.
    expect(first!.cost_usd).toBeCloseTo((1000 * 2 + 200 * 10) / 1e6, 10);
    expect(second!.response!.model).toBe('claude-opus-5-5');
    expect(second!.cost_usd).toBeCloseTo((1000 * 4 + 200 * 20) / 1e6, 10);
  });
});
