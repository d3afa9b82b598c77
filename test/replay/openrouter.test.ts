import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Responder } from '../support/local-server/index.js';
import { localServers } from '../helpers/local-servers.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, tempDir, THREE_STEPS } from '../helpers/replay.js';

/**
 * `driftbench run --provider openrouter` against the local server playing OpenRouter in front of
 * today's Claude API (mode 'openrouter', rules 'today'; test/support/local-server/openrouter.ts):
 * OpenRouter's model ids, its thinking defaults, its cost in usage, no prefix checks.
 */

const { start } = localServers();

/** The model answers each turn with one line and OpenRouter's charge; what it saw is in the request log. */
const COST = 0.0125;
const oneLine: Responder = (req) => ({ content: [{ type: 'text', text: `Answer ${req.body.messages.length}.` }], cost: COST });

/** A reply that grows with the effort the model was given, as a model's output does. */
const WORDS = { low: 4, medium: 8, high: 16, xhigh: 32, max: 64 } as const;
const scalesWithEffort: Responder = (req) => {
  const effort = (req.body.output_config?.effort ?? 'medium') as keyof typeof WORDS;
  return { content: [{ type: 'text', text: Array.from({ length: WORDS[effort] }, (_, i) => `word${i}`).join(' ') }] };
};

async function run(baseUrl: string, out: string, ...args: string[]) {
  const r = await runBin(['run', THREE_STEPS, '--provider', 'openrouter', '--base-url', baseUrl, '--out', out, '--run-name', 'or', ...args], {
    env: { OPENROUTER_API_KEY: FAKE_KEY },
  });
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.code, r.stderr).toBe(0);
  return join(out, 'or');
}

describe('OpenRouter today, 5.x models', () => {
  it("sends OpenRouter's ids, the effort and the summarized display, and records the thinking, the answering model and OpenRouter's cost", async () => {
    const server = await start({ mode: 'openrouter', rules: 'today', responder: oneLine });
    const dir = await run(`${server.url}/api`, await tempDir(), '--models', 'claude-opus-5-5,claude-haiku-5-5', '--effort', 'default,high', '--repeats', '1');

    const sent = server.messageRequests();
    expect(sent).toHaveLength(12);
    expect(sent.every((r) => r.path === '/api/v1/messages' && r.outcome === 'reply')).toBe(true);
    expect(new Set(sent.map((r) => r.body.model))).toEqual(new Set(['anthropic/claude-opus-5.5', 'anthropic/claude-haiku-5.5']));
    // Both models think by default, so driftbench asks for summarized thinking at every effort;
    // at `default` it sends no effort, at `high` it sends it.
    for (const r of sent) expect(r.body.thinking).toEqual({ type: 'adaptive', display: 'summarized' });
    expect(sent.filter((r) => r.body.output_config === undefined)).toHaveLength(6);
    expect(sent.filter((r) => r.body.output_config?.effort === 'high')).toHaveLength(6);
    // OpenRouter forwarded the Claude API's ids, and effort and display unchanged.
    expect(new Set(sent.map((r) => r.forwarded.model))).toEqual(new Set(['claude-opus-5-5', 'claude-haiku-5-5']));
    expect(sent.every((r) => JSON.stringify(r.forwarded.thinking) === JSON.stringify(r.body.thinking))).toBe(true);

    const transcripts = await readTranscripts(dir);
    expect(transcripts).toHaveLength(4);
    for (const t of transcripts) {
      const slug = t.model_requested;
      expect(['anthropic/claude-opus-5.5', 'anthropic/claude-haiku-5.5']).toContain(slug);
      expect(t).toMatchObject({ status: 'complete', provider: { name: 'openrouter' }, model_returned: slug });
      // Both models default to medium effort, which the model used when none was sent.
      const effort = t.turns[0]!.request.requested.effort === 'high' ? 'high' : 'medium';
      for (const turn of t.turns) {
        expect(turn.response!.model).toBe(slug);
        expect(turn.response!.content[0]).toMatchObject({ type: 'thinking', thinking: `Thinking at ${effort} effort.` });
        expect(turn.provider_cost_usd).toBe(COST);
        // Priced by the profile of the model that answered, too.
        expect(turn.cost_usd).toBeGreaterThan(0);
      }
    }
    // Each later turn sent the model's earlier replies back, thinking blocks and signatures unchanged.
    const third = sent.find((r) => r.body.messages.length === 5)!;
    expect(third.body.messages[1].content[0]).toMatchObject({ type: 'thinking', thinking: expect.stringMatching(/^Thinking at/), signature: expect.stringMatching(/^sigb_/) });
  });

  it('still warns that effort had no effect when the endpoint drops it, and only then', async () => {
    const report = async (dropParams: Array<'effort'>) => {
      const server = await start({ mode: 'openrouter', rules: 'today', dropParams, responder: scalesWithEffort });
      const dir = await run(`${server.url}/api`, await tempDir(), '--models', 'claude-opus-5-5', '--effort', 'low,high', '--repeats', '2');
      expect(server.messageRequests().every((r) => r.body.output_config?.effort !== undefined)).toBe(true);
      expect((await runBin(['score', dir, '--judge', 'heuristic'])).code).toBe(0);
      return (await runBin(['report', dir])).stdout;
    };

    const dropped = await report(['effort']);
    expect(dropped).toMatch(/! output tokens on \S+ did not rise from effort low to high in \d+ of \d+ scenario\(s\)/);
    expect(dropped).toContain('the provider may not have applied the effort parameter');
    // The same run with effort passed through, as OpenRouter does today: the check stays quiet.
    expect(await report([])).not.toContain('did not rise');
  });
});
