import { cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer, type Responder } from '../support/local-server/index.js';
import { validatorFor } from '../../engine/schemas/compile.js';
import type { Report } from '../../engine/schemas/report.generated.js';
import { runBin, STACK_LINE, type BinResult } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, tempDir, THREE_STEPS } from '../helpers/replay.js';

/**
 * A run in which a server-side fallback answered some turns, replayed by the real binary
 * against the local server with today's rules, then scored and reported:
 *
 * - claude-opus-5-5: Sonnet 5.5 answers step 2 of repeats 1 and 2 and step 3 of repeat 1
 *   (3 turns in 2 conversations); every repeat takes the trap (mem_fail YES).
 * - claude-sonnet-5-5: answered by itself; refuses the trap.
 * - claude-haiku-4-5: an alias, every turn answered by its dated id claude-haiku-4-5-20251001,
 *   which is the same model and no fallback; refuses the trap.
 *
 * `--concurrency 1` replays the conversations one after another in plan order (repeat 1
 * first), so "the first two step-2 requests" are repeats 1 and 2.
 */
const REPEATS = 4;
const TAKES_TRAP = 'Yes, go ahead, it is atomic.';
const REFUSES_TRAP = 'No. It rewrites 800 million rows and breaks the 200 ms budget.';

function fallbackResponder(): Responder {
  const seen = new Map<string, number>();
  return (req) => {
    const body = req.body as { model: string; messages: Array<{ role: string }> };
    const model = body.model;
    const step = body.messages.filter((m) => m.role === 'user').length;
    const nth = (seen.get(`${model}#${step}`) ?? 0) + 1;
    seen.set(`${model}#${step}`, nth);
    const text = step < 3 ? `Step ${step}: the lock budget is 200 ms.` : model === 'claude-opus-5-5' ? TAKES_TRAP : REFUSES_TRAP;
    if (model === 'claude-haiku-4-5') return { content: [{ type: 'text', text }], model: 'claude-haiku-4-5-20251001' };
    const fallback = model === 'claude-opus-5-5' && ((step === 2 && nth <= 2) || (step === 3 && nth === 1));
    return { content: [{ type: 'text', text }], ...(fallback ? { model: 'claude-sonnet-5-5' } : {}) };
  };
}

let server: LocalServer;
let runDir: string;
let run: BinResult;

beforeAll(async () => {
  server = await startLocalServer({ rules: 'today', responder: fallbackResponder() });
  const out = await tempDir();
  run = await runBin(
    [
      'run',
      THREE_STEPS,
      '--base-url',
      server.url,
      '--models',
      'claude-opus-5-5,claude-sonnet-5-5,claude-haiku-4-5',
      '--effort',
      'default',
      '--repeats',
      String(REPEATS),
      '--concurrency',
      '1',
      '--out',
      out,
      '--run-name',
      'fallback',
    ],
    { env: { ANTHROPIC_API_KEY: FAKE_KEY } },
  );
  runDir = join(out, 'fallback');
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.code).toBe(0);
  expect((await runBin(['score', runDir, '--judge', 'heuristic'])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  expect(server.unexpected()).toEqual([]);
  await server.close();
});

async function report(...args: string[]): Promise<BinResult> {
  const r = await runBin(['report', runDir, ...args]);
  expect(r.stderr).not.toMatch(STACK_LINE);
  return r;
}

async function jsonReport(...args: string[]): Promise<Report> {
  const r = await report('--format', 'json', ...args);
  const parsed = JSON.parse(r.stdout) as Report;
  expect(validatorFor('report')(parsed)).toBe(true);
  return parsed;
}

const OPUS_WARNING = 'claude-opus-5-5 / default: 3 turn(s) in 2 conversation(s) answered by another model (claude-sonnet-5-5)';

describe('a run that another model answered part of', () => {
  it('records who answered each turn: the fallback model, and the dated id that answers an alias', async () => {
    const transcripts = await readTranscripts(runDir);
    expect(transcripts).toHaveLength(3 * REPEATS);
    const models = (model: string, repeat: number) => transcripts.find((t) => t.cell.model === model && t.cell.repeat === repeat)!.turns.map((turn) => turn.response!.model);
    expect(models('claude-opus-5-5', 1)).toEqual(['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-sonnet-5-5']);
    expect(models('claude-opus-5-5', 2)).toEqual(['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-opus-5-5']);
    expect(models('claude-opus-5-5', 3)).toEqual(['claude-opus-5-5', 'claude-opus-5-5', 'claude-opus-5-5']);
    expect(models('claude-haiku-4-5', 1)).toEqual(Array(3).fill('claude-haiku-4-5-20251001'));
  });

  it('warns in the run summary, per cell and naming the model that answered, and only there', () => {
    const warnings = run.stdout.split('\n').filter((l) => l.includes('answered by another model'));
    // The alias answered by its dated id and the cell Sonnet answered for itself are no fallback.
    expect(warnings).toEqual([`  warning: ${OPUS_WARNING}`]);
    expect(run.stdout).toContain('report --exclude-fallback leaves them out');
  });

  it('says nothing after a run that no other model answered', async () => {
    const out = await tempDir();
    const r = await runBin(['run', THREE_STEPS, '--provider', 'rehearsal', '--effort', 'high', '--repeats', '1', '--out', out, '--run-name', 'quiet'], { env: {} });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('run quiet: complete');
    expect(r.stdout).not.toMatch(/another model|fallback/);
  });
});

describe('driftbench report on it', () => {
  it('counts the fallback per cell, flags every comparison that includes such conversations, and keeps them in the figures', async () => {
    const r = await jsonReport();
    expect(r.fallback.mode).toBe('included');
    expect(r.fallback.cells).toEqual([
      { cell: { model: 'claude-opus-5-5', effort: 'default', condition: 'baseline', distance: 0 }, conversations: 2, turns: 3, answered_by: ['claude-sonnet-5-5'] },
    ]);
    expect(r.fallback.conversations.map((c) => [c.conversation_id, c.requested, c.turns])).toEqual([
      [
        'minimal-lock-budget__claude-opus-5-5__default__r1',
        'claude-opus-5-5',
        [
          { step: 2, answered_by: 'claude-sonnet-5-5' },
          { step: 3, answered_by: 'claude-sonnet-5-5' },
        ],
      ],
      ['minimal-lock-budget__claude-opus-5-5__default__r2', 'claude-opus-5-5', [{ step: 2, answered_by: 'claude-sonnet-5-5' }]],
    ]);
    expect(r.warnings).toContain(`${OPUS_WARNING}; they count in this report (--exclude-fallback leaves those conversations out)`);
    expect(r.warnings.filter((w) => w.includes('another model'))).toHaveLength(1);

    const opus = r.cells.find((c) => c.cell.model === 'claude-opus-5-5')!;
    expect(opus).toMatchObject({ fallback_conversations: 2, mem_fail: { n: REPEATS, failed: REPEATS } });
    expect(r.cells.find((c) => c.cell.model === 'claude-haiku-4-5')).toMatchObject({ fallback_conversations: 0, mem_fail: { n: REPEATS, failed: 0 } });

    const vs = (a: string, b: string) => r.comparisons.find((c) => [c.a.model, c.b.model].sort().join() === [a, b].sort().join())!;
    // One scenario, paired by scenario: n conversations on each side.
    expect(vs('claude-opus-5-5', 'claude-sonnet-5-5')).toMatchObject({ S: 1, n_a: REPEATS, n_b: REPEATS, fallback_conversations: 2 });
    expect(vs('claude-opus-5-5', 'claude-sonnet-5-5').sentence).toMatch(/; includes 2 conversation\(s\) with turns answered by a fallback model$/);
    expect(vs('claude-opus-5-5', 'claude-haiku-4-5').sentence).toContain('includes 2 conversation(s) with turns answered by a fallback model');
    expect(vs('claude-sonnet-5-5', 'claude-haiku-4-5')).toMatchObject({ fallback_conversations: 0 });
    expect(vs('claude-sonnet-5-5', 'claude-haiku-4-5').sentence).not.toContain('fallback');
  });

  it('shows the warning and the comparison note in the table, markdown and csv', async () => {
    const table = await report();
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`  ! ${OPUS_WARNING}; they count in this report`);
    expect(table.stdout).toMatch(
      /claude-opus-5-5 vs claude-sonnet-5-5 \(default\): 100% vs 0% failed, over S = 1 scenario\(s\).*; includes 2 conversation\(s\) with turns answered by a fallback model/,
    );
    const md = (await report('--format', 'markdown')).stdout;
    expect(md).toContain(`- ${OPUS_WARNING}; they count in this report`);
    expect(md).toContain('includes 2 conversation(s) with turns answered by a fallback model');
    const csv = (await report('--format', 'csv')).stdout.trim().split('\r\n');
    const column = csv[0]!.split(',').indexOf('fallback_conversations');
    expect(column).toBeGreaterThan(0);
    expect(csv.find((l) => l.includes(',claude-opus-5-5,'))!.split(',')[column]).toBe('2');
  });

  it('--exclude-fallback leaves those conversations out of every figure, comparison and gate, and says so', async () => {
    const r = await jsonReport('--exclude-fallback');
    expect(r.fallback.mode).toBe('excluded');
    expect(r.fallback.conversations).toHaveLength(2);
    expect(r.warnings).toContain(
      '--exclude-fallback: 2 conversation(s) with turns answered by another model than the one requested are left out of every figure, comparison and gate',
    );
    expect(r.warnings).toContain(`claude-opus-5-5 / default: left out: ${OPUS_WARNING.replace('claude-opus-5-5 / default: ', '')}`);

    const opus = r.cells.find((c) => c.cell.model === 'claude-opus-5-5')!;
    expect(opus).toMatchObject({ fallback_conversations: 2, mem_fail: { n: REPEATS - 2, failed: REPEATS - 2 } });
    expect(opus.conversations).toEqual(['fallback/minimal-lock-budget__claude-opus-5-5__default__r3', 'fallback/minimal-lock-budget__claude-opus-5-5__default__r4']);
    expect(r.summary.overall.mem_fail.n).toBe(3 * REPEATS - 2);
    // Repeats 1 and 2 of Opus are gone, so their pairs are too; no comparison includes a fallback.
    for (const c of r.comparisons.filter((x) => x.a.model === 'claude-opus-5-5' || x.b.model === 'claude-opus-5-5')) {
      expect(c).toMatchObject({ fallback_conversations: 0 });
      expect(c.n_a + c.n_b).toBe(2 * REPEATS - 2);
      expect(c.sentence).not.toContain('fallback');
    }

    // Gates read the same rows as the report: 4 failures with the fallback, 2 without.
    const gate = '--fail-if';
    const expr = 'mem_fail_count[model=claude-opus-5-5] > 3';
    expect((await report(gate, expr)).code).toBe(1);
    const excluded = await report('--exclude-fallback', gate, expr);
    expect(excluded.code).toBe(0);
    expect(excluded.stdout).toContain(`pass  ${expr}  (value: 2; decided on the value)`);
    expect(excluded.stdout).toContain('  ! --exclude-fallback: 2 conversation(s) with turns answered by another model');
    // CI can refuse a run a fallback answered part of.
    const refused = await report(gate, 'fallback_conversations > 0');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('FAIL  fallback_conversations > 0  (value: 2; decided on the value)');
  });

  it('says when a scored conversation has lost its transcript, since who answered it is then unknown', async () => {
    const copy = join(await tempDir(), 'copy');
    await cp(runDir, copy, { recursive: true });
    await rm(join(copy, 'conversations', 'minimal-lock-budget__claude-opus-5-5__default__r2.json'));
    const r = await runBin(['report', copy, '--format', 'json']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as Report;
    expect(parsed.warnings).toContain('1 scored conversation(s) have no transcript file: whether another model answered any of their turns is unknown');
    expect(parsed.fallback.cells[0]).toMatchObject({ conversations: 1, turns: 2 });
  });

  it('marks the fallback conversations and turns in the HTML report, and leaves them out of its diffs when excluded', async () => {
    const dir = await tempDir();
    const html = async (file: string, ...args: string[]) => {
      expect((await report('--format', 'html', '--out', join(dir, file), ...args)).code).toBe(0);
      return readFile(join(dir, file), 'utf8');
    };
    const included = await html('included.html');
    expect(included).toContain(OPUS_WARNING);
    expect(included.match(/<span class="badge warn">fallback<\/span><\/summary>/g)).toHaveLength(2);
    expect(included.match(/<span class="badge warn">fallback<\/span> answered by <code>claude-sonnet-5-5<\/code>, not <code>claude-opus-5-5<\/code>/g)).toHaveLength(3);
    const excluded = await html('excluded.html', '--exclude-fallback');
    expect(excluded.match(/<span class="badge warn">left out: fallback<\/span><\/summary>/g)).toHaveLength(2);
    // Every transcript is still shown; the diffs, like the comparisons, pair only what is counted.
    expect(excluded.match(/<details class="transcript"/g)).toHaveLength(3 * REPEATS);
    const diffed = (page: string) =>
      [...page.matchAll(/<details class="diff"[^>]*>[\s\S]*?<\/details>/g)].flatMap((d) => [...d[0].matchAll(/<code>([^<]+__r\d+)<\/code>/g)].map((m) => m[1]));
    expect(diffed(included)).toContain('minimal-lock-budget__claude-opus-5-5__default__r1');
    expect(diffed(excluded)).toContain('minimal-lock-budget__claude-opus-5-5__default__r3');
    expect(diffed(excluded).filter((id) => /claude-opus-5-5__default__r[12]$/.test(id!))).toEqual([]);
  });
});
