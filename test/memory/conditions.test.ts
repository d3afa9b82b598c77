import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer } from '../support/local-server/index.js';
import type { Report } from '../../engine/schemas/report.generated.js';
import { bare, runBin, STACK_LINE, tableRows } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir, THREE_STEPS } from '../helpers/replay.js';

const env = { ANTHROPIC_API_KEY: FAKE_KEY };
let server: LocalServer | undefined;
afterEach(async () => {
  expect(server?.unexpected() ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

describe('--condition ledger', () => {
  it('injects what was established before every later request, never into the system prompt, and keeps it there', async () => {
    server = await startLocalServer({ responder: echoResponder() });
    const out = await tempDir();
    // Opus 4.7 takes no mid-conversation system message (its profile): the ledger is a preface.
    const r = await runBin(replayArgs(server.url, '--condition', 'ledger', '--repeats', '1', '--out', out, '--run-name', 'l'), { env });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    const bodies = server.messageRequests().map((q) => q.body as { system?: string; messages: Array<{ role: string; content: Array<{ text: string }> }> });
    // The system prompt never changes (the fixture has none).
    expect(bodies.map((b) => b.system)).toEqual([undefined, undefined, undefined]);
    const userTexts = (i: number) => bodies[i]!.messages.filter((m) => m.role === 'user').map((m) => m.content[0]!.text);
    const ledger2 =
      'Ledger of what this conversation has established so far. Keep to every constraint:\n- Constraint (step 1): No migration step may hold a lock longer than 200 ms.';
    expect(userTexts(0)).toEqual(['No migration step may hold a lock longer than 200 ms. Confirm.']);
    expect(userTexts(1)[1]).toBe(`<memory>\n${ledger2}\n</memory>\n\nThe events table has 800 million rows. What does that mean?`);
    // Step 3 carries step 2's preface unchanged, and its own, which adds the finding of step 2.
    expect(userTexts(2)[1]).toBe(userTexts(1)[1]);
    expect(userTexts(2)[2]).toContain('- Finding (step 2): The events table has 800 million rows.');

    const [t] = await readTranscripts(join(out, 'l'));
    expect(t!.conversation_id).toBe('minimal-lock-budget__claude-opus-4-7__high__ledger__r1');
    expect(t!.cell).toMatchObject({ condition: 'ledger' });
    expect(t!.memory).toEqual({ condition: 'ledger', source: 'scenario declarations (constraints and findings as established)' });
    // The transcript records exactly what was injected at each turn, and where; the user turn stays the step's prompt.
    expect(t!.turns.map((x) => x.request.injected)).toEqual([null, ledger2, expect.stringContaining('- Finding (step 2)')]);
    expect(t!.turns.map((x) => x.request.injected_as)).toEqual([undefined, 'user-preface', 'user-preface']);
    expect(t!.turns[1]!.user).toBe('The events table has 800 million rows. What does that mean?');
    expect((t!.turns[2]!.request.params as { system?: string }).system).toBeUndefined();
  });

  it('sends the ledger as a system message right after the user turn to a model that takes one', async () => {
    // Today's API: mid-conversation system messages on the models that take them, thinking bound to its prefix.
    server = await startLocalServer({ rules: 'today', responder: echoResponder() });
    const out = await tempDir();
    const r = await runBin(replayArgs(server.url, '--models', 'claude-opus-4-8', '--condition', 'ledger', '--repeats', '1', '--out', out, '--run-name', 'l'), { env });
    expect(r.code).toBe(0);
    const roles = server.messageRequests().map((q) => (q.body as { messages: Array<{ role: string }> }).messages.map((m) => m.role));
    expect(roles).toEqual([['user'], ['user', 'assistant', 'user', 'system'], ['user', 'assistant', 'user', 'system', 'assistant', 'user', 'system']]);
    const [t] = await readTranscripts(join(out, 'l'));
    expect(t!.turns.map((x) => x.request.injected_as)).toEqual([undefined, 'system-message', 'system-message']);
  });

  it('rejects an unknown condition', async () => {
    const r = await runBin(['run', THREE_STEPS, '--provider', 'rehearsal', '--condition', 'telepathy'], { env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--condition telepathy: unknown memory condition; choose from baseline, ledger, mem0');
  });
});

describe('--distance', () => {
  it('inserts N distractor exchanges after the constraint is set: distances 0, 10 and 50 give the expected history lengths', async () => {
    server = await startLocalServer({ responder: echoResponder() });
    const out = await tempDir();
    const r = await runBin(replayArgs(server.url, '--effort', 'standard', '--distance', '0,10,50', '--repeats', '1', '--out', out, '--run-name', 'd'), { env });
    expect(r.code).toBe(0);
    const transcripts = await readTranscripts(join(out, 'd'));
    const byDistance = new Map(transcripts.map((t) => [t.cell.distance ?? 0, t]));
    for (const [n, counts] of [
      [0, [1, 3, 5]],
      [10, [1, 23, 25]],
      [50, [1, 103, 105]],
    ] as const) {
      const t = byDistance.get(n)!;
      const generated = t.turns.filter((x) => x.kind === 'generated');
      expect(
        generated.map((x) => x.request.message_count),
        `distance ${n}`,
      ).toEqual(counts);
      const distractors = t.turns.filter((x) => x.kind === 'distractor');
      expect(distractors).toHaveLength(n);
      // They sit between step 1 (which sets the constraint) and step 2.
      expect(t.turns.map((x) => x.kind).indexOf('distractor')).toBe(n > 0 ? 1 : -1);
      expect(distractors.every((x) => x.step === 1 && x.cost_usd === 0)).toBe(true);
    }
    // What the server received has exactly those lengths.
    const sent = server
      .messageRequests()
      .map((q) => (q.body as { messages: unknown[] }).messages.length)
      .sort((a, b) => a - b);
    expect(sent).toEqual([1, 1, 1, 3, 5, 23, 25, 103, 105]);
    // Distractors on the scenario's own topic: the scenario is tagged test, so the general topic.
    const d10 = byDistance.get(10)!.turns.filter((x) => x.kind === 'distractor');
    expect(new Set(d10.map((x) => x.user)).size).toBe(10);
  });
});

describe('reports by condition and distance', () => {
  it('show mem_fail by condition and by distance, in the tables and the HTML plot', async () => {
    const out = await tempDir();
    const run = join(out, 'cd');
    expect(
      (
        await runBin(
          [
            'run',
            THREE_STEPS,
            '--provider',
            'rehearsal',
            '--effort',
            'standard',
            '--condition',
            'baseline,ledger',
            '--distance',
            '0,10',
            '--repeats',
            '2',
            '--out',
            out,
            '--run-name',
            'cd',
          ],
          { env: {} },
        )
      ).code,
    ).toBe(0);
    expect((await runBin(['score', run, '--judge', 'heuristic'])).code).toBe(0);
    const table = await runBin(['report', run]);
    expect(table.stdout).toContain('Summary by condition');
    expect(table.stdout).toContain('Summary by distance');
    // The header row, read whole: at 80 columns the cells wrap.
    expect(tableRows(table.stdout).map((row) => row.slice(0, 5).map(bare))).toContainEqual(['Model', 'Effort', 'Condition', 'Distance', 'Citations']);
    const report = JSON.parse((await runBin(['report', run, '--format', 'json'])).stdout) as Report;
    expect(report.summary.by_condition.map((g) => [g.group, g.mem_fail.n, g.mem_fail.failed])).toEqual([
      ['baseline', 8, 4],
      ['ledger', 8, 4],
    ]);
    expect(report.summary.by_distance.map((g) => [g.group, g.mem_fail.n])).toEqual([
      ['0', 8],
      ['10', 8],
    ]);
    // Distance gets a trend over scenarios, not pairwise comparisons.
    expect(report.comparisons.filter((c) => c.axis === 'distance')).toEqual([]);
    expect(report.trends.length).toBeGreaterThan(0);
    expect(report.comparisons.filter((c) => c.axis === 'condition').length).toBeGreaterThan(0);
    const html = join(out, 'r.html');
    await runBin(['report', run, '--format', 'html', '--out', html]);
    expect(await readFile(html, 'utf8')).toContain('mem_fail rate against distance');
  });
});
