import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer, type RecordedRequest } from '../support/local-server/index.js';
import { startMem0Fake, type Mem0Fake } from '../helpers/mem0-fake.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, tempDir } from '../helpers/replay.js';
import type { Transcript } from '../../engine/transcript/format.js';
import { messagesHash } from '../../engine/replay/request.js';

/**
 * Issue 13's "Done when", against the local server playing today's API (rules 'today'): each
 * model line's thinking rules, efforts, sampling rules, thinking bound to its conversation
 * prefix, and mid-conversation system messages where the model takes them.
 */

const T1 = 'scenarios/t1-cascading-migration.yaml';
const EFFORTS = ['default', 'low', 'medium', 'high', 'xhigh', 'max'];
const CONDITIONS = ['baseline', 'ledger', 'mem0'];

let server: LocalServer;
let mem0: Mem0Fake;
beforeEach(async () => {
  // The responder writes no thinking: the server's model rules add it, naming the effort worked at.
  server = await startLocalServer({ rules: 'today', responder: echoResponder({ thinking: false }) });
  mem0 = await startMem0Fake();
});
afterEach(async () => {
  expect(server.unexpected()).toEqual([]);
  expect(mem0.unexpected()).toEqual([]);
  await server.close();
  await mem0.close();
});

const env = () => ({ ANTHROPIC_API_KEY: FAKE_KEY, MEM0_API_KEY: 'm0-test-key', MEM0_HOST: mem0.url });

type Body = { model: string; system?: unknown; messages: Array<{ role: string; content: unknown }>; thinking?: unknown; output_config?: unknown; temperature?: unknown };

/** The messages without cache_control: the breakpoint may move between requests, nothing else. */
const withoutBreakpoints = (messages: Body['messages']) => JSON.parse(JSON.stringify(messages, (k, v) => (k === 'cache_control' ? undefined : v)));

describe("today's models replay T1 in every condition at every effort", () => {
  for (const [model, injectedAs] of [
    ['claude-opus-5-5', 'system-message'],
    ['claude-sonnet-5-5', 'system-message'],
    ['claude-haiku-5-5', 'system-message'],
    // Its profile does not say whether it takes mid-conversation system messages (no page found).
    ['claude-fable-5-2', 'user-preface'],
  ] as const) {
    it(`${model}: no request refused, thinking text stored on every turn, memory injected without touching the prefix (${injectedAs})`, async () => {
      const out = await tempDir();
      const r = await runBin(
        [
          'run',
          T1,
          '--instances',
          '1',
          '--base-url',
          server.url,
          '--models',
          model,
          '--effort',
          EFFORTS.join(','),
          '--condition',
          CONDITIONS.join(','),
          '--repeats',
          '1',
          '--out',
          out,
          '--run-name',
          'today',
        ],
        { env: env() },
      );
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.code, r.stderr).toBe(0);

      // Nothing was refused: every request got a reply (a 400 would be 'rejected').
      const requests = server.messageRequests();
      expect(requests.map((q) => q.outcome).filter((o) => o !== 'reply')).toEqual([]);
      expect(requests).toHaveLength(EFFORTS.length * CONDITIONS.length * 5);

      const transcripts = await readTranscripts(join(out, 'today'));
      expect(transcripts).toHaveLength(EFFORTS.length * CONDITIONS.length);
      for (const t of transcripts) {
        const where = t.conversation_id;
        expect(t.status, where).toBe('complete');
        // Summarized thinking was asked for at every effort, default included, and its text stored.
        for (const turn of t.turns) {
          expect(turn.request.params, where).toMatchObject({ thinking: { type: 'adaptive', display: 'summarized' } });
          const thinking = turn.response!.content.filter((b) => b.type === 'thinking');
          expect(thinking.length, where).toBeGreaterThan(0);
          expect(
            thinking.every((b) => (b.thinking ?? '').length > 0),
            where,
          ).toBe(true);
        }
        // default sends no effort and records the model's own default as the effective level.
        const effort = t.cell.effort;
        expect((t.turns[0]!.request.params as { output_config?: unknown }).output_config, where).toEqual(effort === 'default' ? undefined : { effort });
        expect(t.turns[0]!.request.effective_effort, where).toBe(effort === 'default' ? expectedDefault(model) : effort);
        // Thinking at the model's default effort: the server names the effort it worked at.
        expect(t.turns[0]!.response!.content[0]!.thinking, where).toContain(effort === 'default' ? expectedDefault(model) : effort);
        checkMemory(t, injectedAs, requestsOf(requests, t));
      }
      // The ledger and mem0 conditions injected something after step 1.
      const injected = transcripts.filter((t) => (t.cell.condition ?? 'baseline') !== 'baseline').flatMap((t) => t.turns.slice(1).map((x) => x.request.injected));
      expect(injected.every((x) => typeof x === 'string' && x.length > 0)).toBe(true);
    });
  }
});

function expectedDefault(model: string): string {
  // Opus 5.5 and Haiku 5.5 default to medium, Sonnet 5.5 and Fable 5.2 to high (the profiles).
  return model === 'claude-opus-5-5' || model === 'claude-haiku-5-5' ? 'medium' : 'high';
}

/** A conversation's requests, step by step: each turn records the sha256 of the messages it sent. */
function requestsOf(all: RecordedRequest[], t: Transcript): Body[] {
  return t.turns.map((turn) => {
    // The effort too: at default, a model's replies match those at its default level.
    const effortOf = (b: Body) => (b.output_config as { effort?: string } | undefined)?.effort ?? 'default';
    const found = all.filter((q) => messagesHash((q.body as Body).messages as never) === turn.request.messages_sha256 && effortOf(q.body as Body) === t.cell.effort);
    // Step 1 is the same request in every conversation; later steps carry their own replies.
    if (turn.step > 1) expect(found, `${t.conversation_id} step ${turn.step}`).toHaveLength(1);
    expect(found.length).toBeGreaterThan(0);
    return found[0]!.body as Body;
  });
}

function checkMemory(t: Transcript, injectedAs: string, bodies: Body[]): void {
  const where = t.conversation_id;
  expect(bodies, where).toHaveLength(5);
  // The system prompt is the scenario's, the same in every request.
  for (const b of bodies) expect(b.system, where).toBe(t.system);
  // Each request is the previous one plus new messages: nothing before them changed.
  for (let i = 1; i < bodies.length; i++) {
    const before = withoutBreakpoints(bodies[i - 1]!.messages);
    expect(withoutBreakpoints(bodies[i]!.messages).slice(0, before.length), where).toEqual(before);
  }
  if ((t.cell.condition ?? 'baseline') === 'baseline') {
    expect(t.turns.every((x) => x.request.injected === undefined)).toBe(true);
    expect(bodies.every((b) => b.messages.every((m) => m.role !== 'system'))).toBe(true);
    return;
  }
  const last = bodies.at(-1)!.messages;
  for (const turn of t.turns.slice(1)) {
    expect(turn.request.injected_as, where).toBe(injectedAs);
    if (injectedAs === 'system-message') {
      // A system message right after the step's own user message, kept there in later requests.
      const at = last.findIndex((m) => m.role === 'user' && JSON.stringify(m.content).includes(JSON.stringify(turn.user).slice(1, 40)));
      expect(last[at + 1], where).toEqual({ role: 'system', content: turn.request.injected });
    } else {
      const user = last.find((m) => m.role === 'user' && JSON.stringify(m.content).includes(JSON.stringify(turn.user).slice(1, 40)))!;
      const text = typeof user.content === 'string' ? user.content : (user.content as Array<{ text: string }>)[0]!.text;
      expect(text, where).toBe(`<memory>\n${turn.request.injected}\n</memory>\n\n${turn.user}`);
    }
  }
}

describe('what today’s models are never sent', () => {
  it('keeps --temperature back from every 5.x model and records it as dropped', async () => {
    const out = await tempDir();
    const r = await runBin(
      [
        'run',
        T1,
        '--base-url',
        server.url,
        '--models',
        'claude-opus-5-5,claude-haiku-5-5',
        '--effort',
        'high',
        '--temperature',
        '0.3',
        '--repeats',
        '1',
        '--out',
        out,
        '--run-name',
        'temp',
      ],
      { env: env() },
    );
    expect(r.code, r.stderr).toBe(0);
    for (const q of server.messageRequests()) expect(q.body).not.toHaveProperty('temperature');
    for (const t of await readTranscripts(join(out, 'temp'))) {
      expect(t.status).toBe('complete');
      for (const turn of t.turns) expect(turn.request.dropped).toEqual([expect.objectContaining({ param: 'temperature', value: 0.3 })]);
    }
  });

  it('refuses an effort the model does not take before any message is sent, naming the levels it takes', async () => {
    const r = await runBin(['run', T1, '--base-url', server.url, '--models', 'claude-sonnet-4-5-20250929', '--effort', 'high', '--repeats', '1'], { env: env() });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--effort high: claude-sonnet-4-5-20250929 does not take that effort level; it takes no effort levels: use default');
    expect(server.messageRequests()).toHaveLength(0);
  });

  it('refuses a model the Models API does not know before any message is sent, with a did-you-mean', async () => {
    const r = await runBin(['run', T1, '--base-url', server.url, '--models', 'claude-opus-5-6', '--effort', 'high', '--repeats', '1'], { env: env() });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/claude-opus-5-6/);
    expect(r.stderr).toMatch(/did you mean.*claude-opus-5-5/i);
    expect(server.messageRequests()).toHaveLength(0);
    // It asked the Models API, and nothing else.
    expect(server.requests.map((q) => `${q.method} ${q.path}`).every((p) => p.startsWith('GET /v1/models'))).toBe(true);
  });
});

describe('--dry-run on today’s models', () => {
  /** The rows of the dry-run table, two lines each: model, input tokens, est. cost; then output tokens and the cost without caching. */
  const rows = (stdout: string) => {
    const lines = stdout.split('\n');
    const cells = (l: string | undefined) => (l ?? '').split('│').map((c) => c.trim());
    return lines.flatMap((l, i) => {
      if (!l.startsWith('│ claude-')) return [];
      const [first, second] = [cells(l), cells(lines[i + 1])];
      const tokens = (c: string, unit: string) => Number(c.replace(new RegExp(` ${unit}$`), '').replace(/,/g, ''));
      return [{ model: first[1]!, input: tokens(first[3]!, 'in'), output: tokens(second[3]!, 'out'), cost: first[4]!, uncached: second[4]!.replace(/ uncached$/, '') }];
    });
  };

  it('prices every model the endpoint offers, and --max-cost works with them', async () => {
    // Every model the local server's Models API lists (the Mythos models are limited availability).
    const listed = await runBin(['models', '--base-url', server.url, '--format', 'json'], { env: env() });
    expect(listed.code, listed.stderr).toBe(0);
    const models = (JSON.parse(listed.stdout) as { models: Array<{ id: string; lifecycle: string }> }).models.filter((m) => m.lifecycle !== 'retired').map((m) => m.id);
    expect(models).toEqual(expect.arrayContaining(['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5', 'claude-fable-5-2']));
    const args = ['run', T1, '--base-url', server.url, '--models', models.join(','), '--effort', 'default', '--repeats', '1', '--dry-run'];
    const r = await runBin([...args, '--max-cost', '100'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    const priced = rows(r.stdout);
    expect(priced.map((x) => x.model).sort()).toEqual([...models].sort());
    for (const x of priced) expect(x.cost, x.model).toMatch(/^\$\d+\.\d{4}$/);
    expect(r.stdout).toContain('within --max-cost $100.00');
    const tight = await runBin([...args, '--max-cost', '0.01'], { env: env() });
    expect(tight.code).toBe(1);
    expect(tight.stdout).toContain('over --max-cost $0.01');
    expect(server.messageRequests()).toHaveLength(0);
  });

  it('prices a Haiku 5.5 conversation whose prompts pass 100,000 tokens at the higher tier', async () => {
    // Two steps; the first prompt alone is past the threshold, so both turns are.
    const dir = await tempDir();
    const long = `${'The events table has 800 million rows and the lock budget is tight. '.repeat(7000)}Confirm.`;
    const yaml = [
      'id: long-prompt',
      'title: A long first prompt',
      'category: memory-trap',
      'difficulty: easy',
      'description: Prices past Haiku 5.5 prompt-length tier.',
      'tags: [test]',
      'constraints:',
      '  - id: lock-budget',
      '    statement: No migration step may hold a lock longer than 200 ms.',
      '    established_in: 1',
      "    cues: ['200\\s*ms']",
      'steps:',
      '  - step: 1',
      `    prompt: ${JSON.stringify(long)}`,
      '  - step: 2',
      '    prompt: Should we add the column in one transaction?',
      '    trap:',
      '      proposal: One transaction.',
      '      violates: [lock-budget]',
      '      plausible_wrong_answer: Yes.',
      '      correct_behaviour: No.',
      '      cues:',
      "        accept: ['\\byes\\b']",
      "        reject: ['\\bno\\b']",
      'judge:',
      '  question: Did step 2 break the budget? YES or NO.',
      '  steps: [2]',
      'fixtures:',
      '  pass: { 1: Confirmed., 2: No. }',
      '  fail: { 1: Sure., 2: Yes. }',
      '',
    ].join('\n');
    await writeFile(join(dir, 'long.yaml'), yaml);
    const r = await runBin(
      ['run', join(dir, 'long.yaml'), '--base-url', server.url, '--models', 'claude-haiku-5-5', '--effort', 'high', '--repeats', '1', '--dry-run', '--no-prompt-cache'],
      {
        env: env(),
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const [row] = rows(r.stdout);
    // Both turns send over 100,000 prompt tokens: every token at $0.50 in and $2.50 out per million.
    expect(row!.input).toBeGreaterThan(2 * 100_000);
    const higher = (row!.input * 0.5 + row!.output * 2.5) / 1e6;
    expect(row!.cost).toBe(`$${higher.toFixed(4)}`);
    expect(row!.uncached).toBe(`$${higher.toFixed(4)}`);
  });
});
