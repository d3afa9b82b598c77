import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer } from '../support/local-server/index.js';
import { validatorFor } from '../../engine/schemas/compile.js';
import type { Report } from '../../engine/schemas/report.generated.js';
import type { Scores } from '../../engine/schemas/scores.generated.js';
import type { Transcript } from '../../engine/transcript/format.js';
import { median } from '../../engine/stats/stats.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, tempDir } from '../helpers/replay.js';

const THREE = 'test/fixtures/replay/three-steps.yaml';

/**
 * A rehearsal run of the three-step scenario with 20 repeats of rehearsal:pass and
 * rehearsal:fail, in which 5 of the fail conversations were given the pass reply at the trap
 * step: 15/20 fail against 0/20, a table whose statistics are known.
 */
let run: string;
beforeAll(async () => {
  const out = await tempDir();
  expect((await runBin(['run', THREE, '--provider', 'rehearsal', '--effort', 'high', '--repeats', '20', '--out', out, '--run-name', 'r'], { env: {} })).code).toBe(0);
  run = join(out, 'r');
  const conv = join(run, 'conversations');
  const passReply = 'No. It rewrites 800 million rows and breaks the 200 ms budget.';
  for (const r of [1, 2, 3, 4, 5]) {
    const file = join(conv, `minimal-lock-budget__rehearsal_fail__high__r${r}.json`);
    const t = JSON.parse(await readFile(file, 'utf8')) as Transcript;
    t.turns[2]!.response!.content = t.turns[2]!.response!.content.map((b) => (b.type === 'text' ? { ...b, text: passReply } : b));
    await writeFile(file, JSON.stringify(t, null, 2));
  }
  expect((await runBin(['score', run, '--judge', 'heuristic'])).code).toBe(0);
}, 60_000);

async function jsonReport(...args: string[]): Promise<Report> {
  const r = await runBin(['report', run, '--format', 'json', ...args]);
  expect(r.stderr).not.toMatch(STACK_LINE);
  return JSON.parse(r.stdout) as Report;
}

describe('driftbench report', () => {
  it('aggregates repeats: medians, mem_fail rate with n and a 95% Wilson interval', async () => {
    const report = await jsonReport();
    expect(validatorFor('report')(report)).toBe(true);
    const fail = report.cells.find((c) => c.cell.model === 'rehearsal:fail')!;
    const pass = report.cells.find((c) => c.cell.model === 'rehearsal:pass')!;
    expect(fail.mem_fail).toMatchObject({ n: 20, failed: 15, rate: 0.75, unscored: 0, not_finished: 0 });
    // 15/20: Wilson 0.531-0.888
    expect(fail.mem_fail.ci95!.low).toBeCloseTo(0.5313, 3);
    expect(fail.mem_fail.ci95!.high).toBeCloseTo(0.8881, 3);
    // 0/20: Wilson 0-0.161
    expect(pass.mem_fail).toMatchObject({ n: 20, failed: 0, rate: 0 });
    expect(pass.mem_fail.ci95!.high).toBeCloseTo(0.1611, 3);

    // Medians agree with the per-conversation figures in the scores file.
    const scores = JSON.parse(await readFile(join(run, 'scores', 'heuristic.json'), 'utf8')) as Scores;
    const of = (m: string) => scores.conversations.filter((c) => c.cell.model === m);
    expect(fail.citations_median).toBe(median(of('rehearsal:fail').map((c) => c.citations.total)));
    expect(fail.output_tokens_median).toBe(median(of('rehearsal:fail').map((c) => c.cost.output_tokens)));
    expect(pass.citations_median).toBe(median(of('rehearsal:pass').map((c) => c.citations.total)));
    expect(pass.citations_median).toBeGreaterThan(0);
    expect(report.summary.overall.mem_fail).toMatchObject({ n: 40, failed: 15 });
  });

  it('compares paired cells with an exact McNemar test and says when n is too small', async () => {
    const report = await jsonReport();
    const c = report.comparisons.find((x) => x.axis === 'model')!;
    // Pairs by scenario and repeat: 15 where only fail failed, none the other way.
    expect(c).toMatchObject({ pairs: 20, a_failed: 15, b_failed: 0, only_a: 15, only_b: 0, significant: true });
    expect(c.p_value).toBeCloseTo(2 * 0.5 ** 15, 12);
    expect(c.sentence).toBe('rehearsal:fail vs rehearsal:pass (high): 15/20 vs 0/20 failed; p = 6.1e-5; significant at p < 0.05 over 20 paired conversations');

    // Three repeats cannot carry the same conclusion, and the report says so.
    const small = await tempDir();
    await runBin(['run', THREE, '--provider', 'rehearsal', '--effort', 'high', '--repeats', '3', '--out', small, '--run-name', 's'], { env: {} });
    await runBin(['score', join(small, 's'), '--judge', 'heuristic']);
    const r = await runBin(['report', join(small, 's')]);
    expect(r.stdout).toContain(
      'rehearsal:fail vs rehearsal:pass (high): 3/3 vs 0/3 failed; p = 0.25; not significant at this n; about 6 repeats per scenario needed to tell them apart',
    );
  });

  it('draws the terminal tables and writes markdown, csv, json and html', async () => {
    const table = await runBin(['report', run]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ Model\s+│ Effort\s+│ Citations\s+│ Mem Status\s+│ Latency\s+│ Cost\s+│/);
    expect(table.stdout).toContain('│ 15/20 failed (75%, 95% CI 53-89%)');
    const md = await runBin(['report', run, '--format', 'markdown']);
    expect(md.stdout).toContain('| Model | Effort | Citations | Mem Status | Latency | Cost |');
    const csv = await runBin(['report', run, '--format', 'csv']);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines[0]).toBe(
      'scenario,model,effort,condition,distance,n,failed,mem_fail_rate,ci95_low,ci95_high,unscored,not_finished,citations_median,latency_median_ms,cost_median_usd,output_tokens_median,retention_mean,first_drift_median,coherence_mean,fallback_conversations',
    );
    expect(lines).toHaveLength(3);
    const out = join(await tempDir(), 'r.html');
    const html = await runBin(['report', run, '--format', 'html', '--out', out]);
    expect(html.stdout).toContain(`wrote ${out}`);
    const page = await readFile(out, 'utf8');
    expect(page).toMatch(/^<!doctype html>/i);
    // Self-contained: no script, no external resource; every transcript and a diff per comparison.
    expect(page).toContain("default-src 'none'");
    expect(page).not.toMatch(/<script|src="http|href="http/i);
    expect(page.match(/<svg[^>]*class="plot"/g)?.length).toBeGreaterThanOrEqual(3);
    expect(page.match(/<details class="transcript"/g)).toHaveLength(40);
    expect(page.match(/<details class="diff"/g)).toHaveLength(1);
  });

  it('gates CI with --fail-if: exit 1 when the condition holds, 0 when not, 2 when malformed', async () => {
    const fails = await runBin(['report', run, '--fail-if', 'mem_fail_rate > 0.2']);
    expect(fails.code).toBe(1);
    expect(fails.stdout).toContain('FAIL  mem_fail_rate > 0.2  (value: 0.375)');
    const scoped = await runBin(['report', run, '--fail-if', 'mem_fail_rate[model=rehearsal:pass] > 0.2', '--fail-if', 'retention_mean < 0.4']);
    expect(scoped.code).toBe(0);
    expect(scoped.stdout).toContain('pass  mem_fail_rate[model=rehearsal:pass] > 0.2  (value: 0)');
    const typo = await runBin(['report', run, '--fail-if', 'mem_fail_rate[model=claude-typo] > 0.2']);
    expect(typo.code).toBe(1); // a gate over no data fails rather than passing silently
    const bad = await runBin(['report', run, '--fail-if', 'memfail > lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fail-if "memfail > lots": write METRIC[filter] OP NUMBER');
  });

  it('warns that effort had no effect when a provider silently dropped it', async () => {
    // The local server in OpenRouter mode ignoring output_config and thinking, as OpenRouter did.
    const server = await startLocalServer({ mode: 'openrouter', dropParams: ['effort', 'thinking'], responder: echoResponder() });
    const out = await tempDir();
    try {
      const r = await runBin(
        [
          'run',
          THREE,
          '--provider',
          'openrouter',
          '--base-url',
          `${server.url}/api`,
          '--models',
          'claude-opus-4-7',
          '--effort',
          'standard,high,xhigh',
          '--repeats',
          '2',
          '--out',
          out,
          '--run-name',
          'or',
        ],
        {
          env: { OPENROUTER_API_KEY: FAKE_KEY },
        },
      );
      expect(r.code).toBe(0);
    } finally {
      await server.close();
    }
    await runBin(['score', join(out, 'or'), '--judge', 'heuristic']);
    const report = await runBin(['report', join(out, 'or')]);
    expect(report.stdout).toMatch(/! output tokens on claude-opus-4-7 did not rise from effort high to xhigh in \d+ of \d+ scenario\(s\)/);
    expect(report.stdout).toContain('the provider may not have applied the effort parameter');
    expect(report.stdout).toMatch(/! thinking was requested at effort high on claude-opus-4-7, but only 0 of \d+ conversation\(s\) got a thinking block back/);
    // The rehearsal run above plays fixtures, which do not scale: it is never checked.
    expect((await runBin(['report', run])).stdout).not.toContain('did not rise');
  });

  it('says what to do when a run has not been scored', async () => {
    const out = await tempDir();
    await runBin(['run', THREE, '--provider', 'rehearsal', '--repeats', '1', '--effort', 'high', '--out', out, '--run-name', 'u'], { env: {} });
    const r = await runBin(['report', join(out, 'u')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`not scored yet; run: driftbench score ${join(out, 'u')}`);
  });
});

describe('driftbench diff', () => {
  it('prints the step table, the first divergence and a word diff of two transcripts of one scenario', async () => {
    const conv = join(run, 'conversations');
    const a = join(conv, 'minimal-lock-budget__rehearsal_pass__high__r9.json');
    const b = join(conv, 'minimal-lock-budget__rehearsal_fail__high__r9.json');
    const r = await runBin(['diff', a, b]);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('diff minimal-lock-budget: A = rehearsal:pass/high');
    expect(r.stdout).toContain('mem_fail: A NO, B YES');
    expect(r.stdout).toMatch(/│ Step\s+│ Stop reason A \| B\s+│ Tokens out A \| B/);
    expect(r.stdout).toMatch(/│ 3 \(judged\)\s+│ end_turn \| end_turn/);
    expect(r.stdout).toContain('first divergence: step 1: rehearsal:pass/high cites lock-budget and rehearsal:fail/high does not');
    // No colour when piped: removed and added words are marked in text.
    expect(r.stdout).toContain('step 3 reply diff (A -> B):');
    expect(r.stdout).toContain('[-No-]{+Yes, go ahead, it is atomic+}.');
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('matches two runs by scenario and repeat, and writes json and html', async () => {
    const json = await runBin(['diff', run, run, '--format', 'json']);
    const diffs = JSON.parse(json.stdout) as Array<{ first_divergence: unknown; a: { conversation_id: string }; b: { conversation_id: string } }>;
    expect(diffs).toHaveLength(40);
    for (const d of diffs) {
      expect(d.a.conversation_id).toBe(d.b.conversation_id);
      expect(d.first_divergence).toBeNull();
    }
    const out = join(await tempDir(), 'd.html');
    const a = join(run, 'conversations', (await readdir(join(run, 'conversations')))[0]!);
    expect((await runBin(['diff', a, a, '--format', 'html', '--out', out])).code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('Content-Security-Policy');
  });
});
