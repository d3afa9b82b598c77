import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer } from '../support/local-server/index.js';
import { validatorFor } from '../../engine/schemas/compile.js';
import type { Report } from '../../engine/schemas/report.generated.js';
import type { RunDiff } from '../../engine/schemas/run-diff.generated.js';
import type { Scores } from '../../engine/schemas/scores.generated.js';
import type { Transcript } from '../../engine/transcript/format.js';
import { median } from '../../engine/stats/stats.js';
import { bare, runBin, runBinIntoHead, STACK_LINE, tableRows } from '../helpers/cli.js';
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

/** The page has one script, and its CSP allows exactly that script by its sha256 and no other source. */
function expectOnlyOurScript(page: string): void {
  const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  expect(scripts).toHaveLength(1);
  expect(page.match(/<script/gi)).toHaveLength(1);
  const hash = createHash('sha256').update(scripts[0]!, 'utf8').digest('base64');
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(page)?.[1];
  expect(csp).toBe(`default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${hash}'`);
}

async function jsonReport(...args: string[]): Promise<Report> {
  const r = await runBin(['report', run, '--format', 'json', ...args]);
  expect(r.stderr).not.toMatch(STACK_LINE);
  return JSON.parse(r.stdout) as Report;
}

describe('driftbench report', () => {
  it("aggregates repeats: medians, and a single scenario's mem_fail rate with n, S and the Wilson interval of its repeats", async () => {
    const report = await jsonReport();
    expect(validatorFor('report')(report)).toBe(true);
    const fail = report.cells.find((c) => c.cell.model === 'rehearsal:fail')!;
    const pass = report.cells.find((c) => c.cell.model === 'rehearsal:pass')!;
    expect(fail.mem_fail).toMatchObject({ S: 1, n: 20, failed: 15, rate: 0.75, unscored: 0, refused: 0, no_reply: 0, not_finished: 0, bounds: null });
    expect(fail.mem_fail.method).toContain('Wilson');
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

  it('compares cells by scenario: twenty repeats of one scenario cannot support a comparison, eight families can', async () => {
    const report = await jsonReport();
    const c = report.comparisons.find((x) => x.axis === 'model')!;
    // One scenario: the repeats are not independent evidence, however many there are.
    expect(c).toMatchObject({ S: 1, n_a: 20, n_b: 20, a_failed: 15, b_failed: 0, p_value: null, significant: false });
    expect(c.sentence).toContain('rehearsal:fail vs rehearsal:pass (high): 75% vs 0% failed, over S = 1 scenario(s) paired by scenario (n = 20 and 20 conversations)');
    expect(c.sentence).toContain('one scenario cannot support a comparison');
    expect(report.comparison_family).toEqual({ size: 0, adjustment: 'Holm (1979)', primary: null });

    // The shipped suite, one instance of each family once: every family is a pair.
    const wide = await tempDir();
    expect((await runBin(['run', '--provider', 'rehearsal', '--effort', 'high', '--repeats', '1', '--instances', '1', '--out', wide, '--run-name', 'w'], { env: {} })).code).toBe(
      0,
    );
    await runBin(['score', join(wide, 'w'), '--judge', 'heuristic']);
    const r = JSON.parse((await runBin(['report', join(wide, 'w'), '--format', 'json'])).stdout) as Report;
    const [w] = r.comparisons;
    const S = w!.S;
    expect(S).toBeGreaterThanOrEqual(6);
    // Every scenario fails on rehearsal:fail and passes on rehearsal:pass: the exact sign-flip p is 2 / 2^S.
    expect(w).toMatchObject({ a_failed: S, b_failed: 0, diff: 1, significant: true });
    // Every family fails on rehearsal:fail and passes on rehearsal:pass: exactly, the sign-flip p is
    // 2 / 2^S; past 20 families it is a seeded Monte Carlo estimate, no smaller than 1 / (draws + 1).
    if (S <= 20) expect(w!.p_value).toBeCloseTo(2 / 2 ** S, 12);
    else expect(w!.p_value).toBeLessThan(1e-4);
    expect(w!.sentence).toContain(`Holm-adjusted over 1 =`);
  });

  it('combines several runs of the same cells without their repeat numbers colliding', async () => {
    const out = await tempDir();
    for (const name of ['one', 'two']) {
      expect((await runBin(['run', THREE, '--provider', 'rehearsal', '--effort', 'high', '--repeats', '3', '--out', out, '--run-name', name], { env: {} })).code).toBe(0);
      expect((await runBin(['score', join(out, name), '--judge', 'heuristic'])).code).toBe(0);
    }
    const r = JSON.parse((await runBin(['report', join(out, 'one'), join(out, 'two'), '--format', 'json'])).stdout) as Report;
    const fail = r.cells.find((c) => c.cell.model === 'rehearsal:fail')!;
    // Repeats 1-3 of each run: six conversations, each listed once, run-qualified.
    expect(fail.mem_fail).toMatchObject({ S: 1, n: 6, failed: 6 });
    expect(new Set(fail.conversations).size).toBe(6);
    expect(fail.conversations.filter((c) => c.startsWith('one/'))).toHaveLength(3);
    expect(r.comparisons[0]).toMatchObject({ S: 1, n_a: 6, n_b: 6 });
  });

  it('declares a primary comparison with --primary: reported first, not adjusted', async () => {
    const wide = await tempDir();
    expect(
      (await runBin(['run', '--provider', 'rehearsal', '--effort', 'high,xhigh', '--repeats', '1', '--instances', '1', '--out', wide, '--run-name', 'w'], { env: {} })).code,
    ).toBe(0);
    await runBin(['score', join(wide, 'w'), '--judge', 'heuristic']);
    const plain = JSON.parse((await runBin(['report', join(wide, 'w'), '--format', 'json'])).stdout) as Report;
    // Two models at two efforts: four comparisons in the family.
    expect(plain.comparison_family).toMatchObject({ size: 4, primary: null });
    const declared = JSON.parse((await runBin(['report', join(wide, 'w'), '--format', 'json', '--primary', 'rehearsal:fail vs rehearsal:pass'])).stdout) as Report;
    expect(declared.comparison_family).toMatchObject({ size: 3, primary: 'rehearsal:fail vs rehearsal:pass' });
    expect(declared.comparisons[0]).toMatchObject({ primary: true });
    expect(declared.comparisons[0]!.p_adjusted).toBe(declared.comparisons[0]!.p_value);
    // A comparison gate on it: rehearsal:fail fails every scenario, so it "regresses".
    const g = await runBin(['report', join(wide, 'w'), '--primary', 'rehearsal:fail vs rehearsal:pass', '--fail-if', 'rehearsal:fail vs rehearsal:pass regresses']);
    expect(g.code).toBe(1);
    expect(g.stdout).toContain('FAIL  rehearsal:fail vs rehearsal:pass regresses');
  });

  it('plans before a run: scenarios needed for the power wanted, with the design effect spelled out', async () => {
    const r = await runBin(['plan', '--difference', '0.2', '--repeats', '3']);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('within-scenario correlation (ICC): 0.350, the stated default (0.35)');
    expect(r.stdout).toContain('design effect at 3 repeat(s) per scenario: 1 + (3 - 1) x 0.350 = 1.70');
    expect(r.stdout).toMatch(/scenarios needed: \d+/);
    expect(r.stdout).toMatch(/repeats alone: .*more scenarios are the lever, not more repeats/);
    // From a scored run: its correlation and baseline.
    const fromRun = await runBin(['plan', run, '--difference', '0.2']);
    expect(fromRun.code).toBe(0);
    expect(fromRun.stdout).toMatch(/estimated from r|the stated default/);
    expect(fromRun.stdout).toContain('the run given has 1 scenario(s)');
    const bad = await runBin(['plan', '--difference', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--difference: a difference in failure rate between 0 and 1');
  });

  it('corrects rates for judge error with a labelled-set calibration (Rogan-Gladen), and widens the intervals', async () => {
    const cal = join(await tempDir(), 'calibration.json');
    const c = await runBin(['calibrate', '--labels', 'test/fixtures/labels/labels.jsonl', '--judge', 'heuristic', '--format', 'json', '--out', cal]);
    expect(c.code, c.stderr).toBe(0);
    const r = await jsonReport('--judge-calibration', cal);
    expect(r.judge_correction).toMatchObject({ judge: 'heuristic', method: expect.stringContaining('Rogan-Gladen') });
    const { sensitivity: se, specificity: sp } = r.judge_correction!;
    const overall = r.summary.overall.mem_fail;
    expect(overall.corrected!.rate).toBeCloseTo((overall.rate! + sp.value! - 1) / (se.value! + sp.value! - 1), 12);
    // Every cell and summary carries it; the table shows it.
    expect(r.cells.every((x) => x.mem_fail.corrected !== undefined)).toBe(true);
    // Read through the table: at 80 columns the Mem Status cell wraps.
    const corrected = (await runBin(['report', run, '--judge-calibration', cal])).stdout;
    expect(tableRows(corrected).some((row) => row.some((cell) => cell.includes('corrected for judge error')))).toBe(true);
    const bad = await runBin(['report', run, '--judge-calibration', THREE]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a calibration file');
    expect(bad.stderr).not.toMatch(STACK_LINE);
  });

  it('draws the terminal tables and writes markdown, csv, json and html', async () => {
    const table = await runBin(['report', run]);
    expect(table.code).toBe(0);
    // Cells wrap to fit 80 columns: read them back whole.
    const rows = tableRows(table.stdout);
    expect(rows.map((row) => row.map(bare))).toContainEqual(['Model', 'Effort', 'Citations', 'MemStatus', 'Latency', 'Cost']);
    expect(rows.some((row) => row[3] === '15/20 failed, S = 1 (75%, 95% CI 53-89%)')).toBe(true);
    expect(table.stdout).toContain('Methods');
    const md = await runBin(['report', run, '--format', 'markdown']);
    expect(md.stdout).toContain('| Model | Effort | Citations | Mem Status | Latency | Cost |');
    const csv = await runBin(['report', run, '--format', 'csv']);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines[0]).toBe(
      'scenario,model,effort,condition,distance,n,failed,mem_fail_rate,ci95_low,ci95_high,unscored,refused,no_reply,not_finished,citations_median,latency_median_ms,cost_median_usd,output_tokens_median,retention_mean,first_drift_median,coherence_mean,fallback_conversations,runs_conversations_scored,runs_conversations',
    );
    expect(lines).toHaveLength(3);
    const out = join(await tempDir(), 'r.html');
    const html = await runBin(['report', run, '--format', 'html', '--out', out]);
    expect(html.stdout).toContain(`wrote ${out}`);
    const page = await readFile(out, 'utf8');
    expect(page).toMatch(/^<!doctype html>/i);
    // Self-contained: no external resource, and one script, which the CSP allows by its hash and nothing else.
    expect(page).toContain("default-src 'none'");
    expect(page).not.toMatch(/src="http|href="http/i);
    expectOnlyOurScript(page);
    expect(page.match(/<svg[^>]*class="plot"/g)?.length).toBeGreaterThanOrEqual(3);
    expect(page.match(/<details class="transcript"/g)).toHaveLength(40);
    expect(page.match(/<details class="diff"/g)).toHaveLength(1);
  });

  it('writes an HTML report grouped by scenario, with anchors from the table rows, the judge reasoning, trap and judged marks, and plots without empty axes', async () => {
    const out = join(await tempDir(), 'g.html');
    expect((await runBin(['report', run, '--format', 'html', '--out', out])).code).toBe(0);
    const page = await readFile(out, 'utf8');
    expectOnlyOurScript(page);
    // One group for the one scenario, holding its diff first and then its transcripts by cell.
    const group = page.indexOf('<section class="scenario-group" id="scenario-minimal-lock-budget" data-group>');
    expect(group).toBeGreaterThan(0);
    expect(page.match(/<section class="scenario-group"/g)).toHaveLength(1);
    expect(page.indexOf('<details class="diff"', group)).toBeLessThan(page.indexOf('<details class="transcript"', group));
    // Each row of the scenario table links to the group of its cell, which exists.
    const links = [...page.matchAll(/<a href="#(scenario-minimal-lock-budget--c\d+)">view<\/a>/g)].map((m) => m[1]!);
    expect(links).toHaveLength(2);
    for (const id of links) expect(page).toContain(`<div class="cell-group" id="${id}" data-group><h4>rehearsal:`);
    // The judge's verdict, votes and reasoning beside each verdict: every transcript and both sides of the diff.
    expect(page.match(/<table class="votes">/g)).toHaveLength(40 + 2);
    expect(page).toContain('step 3: the reply accepts the trap');
    expect(page).toContain('step 3: the reply rejects the trap');
    // The trap and judged step (3) marked in words, in every transcript and in the diff.
    expect(page.match(/<span class="badge mark trap"[^>]*>trap step<\/span>/g)).toHaveLength(40 + 1);
    expect(page.match(/<span class="badge mark judged"[^>]*>judged step<\/span>/g)).toHaveLength(40 + 1);
    expect(page).toMatch(/<li class="turn trap judged"><h4>Step 3 /);
    expect(page).not.toMatch(/<li class="turn[^"]*"><h4>Step [12] <span class="muted">generated<\/span> <span class="badge mark/);
    // One condition and one distance: no table for either, a sentence instead.
    expect(page).not.toContain('<h3>By condition</h3>');
    expect(page).not.toContain('<h3>By distance</h3>');
    expect(page).toContain('One value only, so no table: condition: baseline; distance: 0.');
    // A rehearsal measures no time and no cost: a note, not an axis from 0 to 0.
    expect(page).toContain('<p class="no-data">Median latency by effort: every value is 0; nothing was measured.</p>');
    expect(page).toContain('<p class="no-data">Median cost by effort: every value is $0; nothing was measured.</p>');
    // The filters: every scenario and cell, as tokens the renderer made.
    expect(page).toContain('<select data-filter="scenario"><option value="">all</option><option value="scenario-minimal-lock-budget">minimal-lock-budget</option></select>');
    expect(page.match(/<option value="c\d+">rehearsal:(pass|fail) · high · baseline<\/option>/g)).toHaveLength(2);
  });

  it('gates CI with --fail-if: exit 1 when the condition holds, 0 when not, 2 when malformed', async () => {
    const fails = await runBin(['report', run, '--fail-if', 'mem_fail_rate > 0.2']);
    expect(fails.code).toBe(1);
    // 15 of 40 in one scenario: Wilson 0.242 to 0.530, all of it above 0.2.
    expect(fails.stdout).toContain('FAIL  mem_fail_rate > 0.2  (value: 0.375, 95% CI 0.242 to 0.530; decided on the 95% interval over scenarios)');
    // 0.3 is inside the interval: inconclusive, exit 0, unless --fail-if-inconclusive.
    const unsure = await runBin(['report', run, '--fail-if', 'mem_fail_rate > 0.3']);
    expect(unsure.code).toBe(0);
    expect(unsure.stdout).toContain('inconclusive  mem_fail_rate > 0.3');
    expect((await runBin(['report', run, '--fail-if', 'mem_fail_rate > 0.3', '--fail-if-inconclusive'])).code).toBe(1);
    const scoped = await runBin(['report', run, '--fail-if', 'mem_fail_rate[model=rehearsal:pass] > 0.2', '--fail-if', 'retention_mean < 0.4']);
    expect(scoped.code).toBe(0);
    expect(scoped.stdout).toContain('pass  mem_fail_rate[model=rehearsal:pass] > 0.2  (value: 0, 95% CI 0 to 0.161');
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

  it('states how much of each run it covers, and refuses gates on part of a run unless --allow-partial', async () => {
    const out = await tempDir();
    expect((await runBin(['run', THREE, '--provider', 'rehearsal', '--repeats', '2', '--effort', 'high', '--out', out, '--run-name', 'p'], { env: {} })).code).toBe(0);
    const part = join(out, 'p');
    // Only the two pass conversations of four: the fail ones would fail the gate.
    const passes = [1, 2].map((r) => join(part, 'conversations', `minimal-lock-budget__rehearsal_pass__high__r${r}.json`));
    expect((await runBin(['score', ...passes, '--judge', 'heuristic'])).code).toBe(0);

    const json = await runBin(['report', part, '--format', 'json', '--fail-if', 'mem_fail_rate > 0.9']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as Report;
    expect(validatorFor('report')(report)).toBe(true);
    expect(report.runs[0]).toMatchObject({ run_id: 'p', conversations: 4, scored: 2 });
    expect(report.warnings).toContain(
      'partial: this report covers 2 of the 4 conversations of p; its figures say nothing of the rest, and gates are refused unless --allow-partial',
    );
    // On the two scored (0/2 failed, interval 0 to 0.66) the gate would pass; it is refused instead.
    expect(report.gates[0]).toMatchObject({ decision: 'pass', failed: true });
    expect(report.gates[0]!.why).toMatch(/^refused: this report covers only 2 of the 4 conversations of p; score the whole run, or pass --allow-partial/);

    const table = await runBin(['report', part, '--fail-if', 'mem_fail_rate > 0.9']);
    expect(table.code).toBe(1);
    expect(table.stdout.split('\n')[0]).toBe('driftbench report: p (rehearsal, complete, 2 of 4 conversations scored, partial); judge heuristic');
    expect(table.stdout).toContain('FAIL  mem_fail_rate > 0.9  (value: 0, 95% CI 0 to 0.658; refused: this report covers only 2 of the 4');
    const md = await runBin(['report', part, '--format', 'markdown']);
    expect(md.stdout).toContain('Runs: `p` (rehearsal, complete, 2 of 4 conversations scored, partial).');
    const csv = (await runBin(['report', part, '--format', 'csv'])).stdout.trim().split('\r\n');
    expect(csv[0]).toMatch(/,runs_conversations_scored,runs_conversations$/);
    expect(csv[1]).toMatch(/,2,4$/);
    const page = join(out, 'p.html');
    expect((await runBin(['report', part, '--format', 'html', '--out', page])).code).toBe(0);
    expect(await readFile(page, 'utf8')).toMatch(/<td>4<\/td><td>2 \(partial\)<\/td>/);

    const allowed = await runBin(['report', part, '--fail-if', 'mem_fail_rate > 0.9', '--allow-partial']);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('pass  mem_fail_rate > 0.9  (value: 0, 95% CI 0 to 0.658; decided on the 95% interval over scenarios)');
    expect(allowed.stdout).toContain('gates are refused (here allowed by --allow-partial)');

    // Scoring the rest merges into the same file: the report covers the whole run, and the gate decides.
    const fails = [1, 2].map((r) => join(part, 'conversations', `minimal-lock-budget__rehearsal_fail__high__r${r}.json`));
    expect((await runBin(['score', ...fails, '--judge', 'heuristic'])).code).toBe(0);
    const whole = await runBin(['report', part, '--fail-if', 'mem_fail_rate > 0.9']);
    expect(whole.stdout.split('\n')[0]).toBe('driftbench report: p (rehearsal, complete, 4 of 4 conversations scored); judge heuristic');
    expect(whole.stdout).not.toContain('refused');
    expect(whole.code).toBe(0);
  }, 90_000);

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
    const rows = tableRows(r.stdout);
    expect(rows[0]!.slice(0, 3).map(bare)).toEqual(['Step', 'StopreasonA|B', 'TokensoutA|B']);
    expect(rows.find((row) => row[0] === '3 (judged)')?.[1]).toBe('end_turn | end_turn');
    expect(r.stdout).toContain('first divergence: step 1: rehearsal:pass/high cites lock-budget and rehearsal:fail/high does not');
    // No colour when piped: removed and added words are marked in text.
    expect(r.stdout).toContain('step 3 reply diff (A -> B):');
    expect(r.stdout).toContain('[-No-]{+Yes, go ahead, it is atomic+}.');
    expect(r.stdout).not.toContain('\u001b[');
  });

  /**
   * B: the same rehearsal with 21 repeats and without the 5 edited fail conversations, so those 5
   * flip (A NO, B YES); pass r7 removed from B, and B's r21s, are unmatched; pass r8 reworded in B.
   */
  let runB: string;
  beforeAll(async () => {
    const out = await tempDir();
    expect((await runBin(['run', THREE, '--provider', 'rehearsal', '--effort', 'high', '--repeats', '21', '--out', out, '--run-name', 'rb'], { env: {} })).code).toBe(0);
    runB = join(out, 'rb');
    const conv = join(runB, 'conversations');
    await rm(join(conv, 'minimal-lock-budget__rehearsal_pass__high__r7.json'));
    const file = join(conv, 'minimal-lock-budget__rehearsal_pass__high__r8.json');
    const t = JSON.parse(await readFile(file, 'utf8')) as Transcript;
    t.turns[1]!.response!.content = t.turns[1]!.response!.content.map((b) => (b.type === 'text' ? { ...b, text: `${b.text} Plan for it.` } : b));
    await writeFile(file, JSON.stringify(t, null, 2));
    expect((await runBin(['score', runB, '--judge', 'heuristic'])).code).toBe(0);
  }, 60_000);

  it('summarises two runs: pairs compared, unmatched by name, flips by scenario; then only the changed pairs, flips first', async () => {
    const r = await runBin(['diff', run, runB]);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`diff of runs: A = ${run} (run r, 40 conversations), B = ${runB} (run rb, 41 conversations)`);
    expect(lines[1]).toBe('pairs compared: 39, matched by scenario, repeat and cell: 5 verdict flips, 0 other divergences, 1 changed in wording only, 33 identical');
    expect(lines.slice(2, 7)).toEqual([
      'unmatched in A (1):',
      '  minimal-lock-budget__rehearsal_pass__high__r7',
      'unmatched in B (2):',
      '  minimal-lock-budget__rehearsal_fail__high__r21',
      '  minimal-lock-budget__rehearsal_pass__high__r21',
    ]);
    expect(r.stdout).toMatch(/│ minimal-lock-budget\s+│ 39\s+│ 39\s+│ 0\s+│ 5\s+│/);
    expect(r.stdout).toContain('showing 6 changed pairs, flips first; --all shows the 33 identical too');
    const shown = [...r.stdout.matchAll(/^diff minimal-lock-budget: A = \S+ \((\S+)\)/gm)].map((m) => m[1]);
    expect(shown).toEqual([1, 2, 3, 4, 5].map((i) => `minimal-lock-budget__rehearsal_fail__high__r${i}`).concat('minimal-lock-budget__rehearsal_pass__high__r8'));
    const all = await runBin(['diff', run, runB, '--all']);
    expect(all.stdout.match(/^diff minimal-lock-budget: /gm)).toHaveLength(39);

    const json = JSON.parse((await runBin(['diff', run, runB, '--format', 'json'])).stdout) as RunDiff;
    expect(validatorFor('run-diff')(json)).toBe(true);
    expect(json.summary.unmatched).toEqual({
      a: ['minimal-lock-budget__rehearsal_pass__high__r7'],
      b: ['minimal-lock-budget__rehearsal_fail__high__r21', 'minimal-lock-budget__rehearsal_pass__high__r21'],
    });
    expect(json.pairs).toHaveLength(39);
    expect(json.diffs.map((d) => d.a.conversation_id)).toEqual(shown);
    expect(json.pairs.slice(0, 5).every((p) => p.change === 'flip' && p.mem_fail_a === 'NO' && p.mem_fail_b === 'YES')).toBe(true);

    const md = (await runBin(['diff', run, runB, '--format', 'markdown'])).stdout;
    expect(md).toContain('| minimal-lock-budget | 39 | 39 | 0 | 5 |');
    expect(md).toContain('- `minimal-lock-budget__rehearsal_pass__high__r7`');
    expect(md.match(/^## diff minimal-lock-budget$/gm)).toHaveLength(6);
    // GitHub renders ~~word~~ and **word**, not ~~ word~~: no space just inside a marker.
    const marks = md
      .split('\n')
      .filter((l) => l.startsWith('> '))
      .flatMap((l) => l.match(/~~[^~]+~~|\*\*[^*]+\*\*/g) ?? []);
    expect(marks).toContain('~~No~~');
    for (const m of marks) expect(m).toMatch(/^(~~|\*\*)\S(.*\S)?(~~|\*\*)$/);
  });

  it('writes every pair of two runs to the HTML page, flips first', async () => {
    const out = join(await tempDir(), 'd.html');
    expect((await runBin(['diff', run, runB, '--format', 'html', '--out', out])).code).toBe(0);
    const page = await readFile(out, 'utf8');
    expect(page).toContain("default-src 'none'");
    expectOnlyOurScript(page);
    expect(page.match(/<details class="diff"/g)).toHaveLength(39);
    // Grouped by scenario within each kind of change; the flips table and the pairs table link to the groups.
    expect(page).toContain('<section class="scenario-group" id="flip-scenario-minimal-lock-budget" data-group><h3>minimal-lock-budget <span class="muted">(5)</span></h3>');
    expect(page).toContain('<a href="#flip-scenario-minimal-lock-budget">minimal-lock-budget</a>');
    expect(page).toMatch(
      /<td><a href="#flip-scenario-minimal-lock-budget">5<\/a><\/td><td>0<\/td><td><a href="#text-scenario-minimal-lock-budget">1<\/a><\/td><td><a href="#none-scenario-minimal-lock-budget">33<\/a><\/td>/,
    );
    // Flips first, each marked, with the trap step marked in its step column.
    expect(page.indexOf('data-flip')).toBeGreaterThan(0);
    expect(page.indexOf('data-flip')).toBeLessThan(page.indexOf('<section id="text">'));
    expect(page.match(/<span class="badge bad">verdict flip<\/span>/g)).toHaveLength(5);
    expect(page.match(/>trap step<\/span>/g)).toHaveLength(39);
    expect([...page.matchAll(/<section id="(\w+)"><h2>([^<]+)<\/h2>/g)].map((m) => m[2])).toEqual([
      'Summary',
      'Verdict flips (5)',
      'Changed in wording only (1)',
      'Identical (33)',
    ]);
    expect(page.indexOf('minimal-lock-budget__rehearsal_fail__high__r1</code>')).toBeLessThan(page.indexOf('minimal-lock-budget__rehearsal_pass__high__r1</code>'));
    expect(page).toContain('<code>minimal-lock-budget__rehearsal_pass__high__r7</code>');
  });

  it('matches a run with itself pair for pair: nothing changed, so only the summary unless --all', async () => {
    const r = await runBin(['diff', run, run]);
    expect(r.stdout).toContain('pairs compared: 40, matched by scenario, repeat and cell: 0 verdict flips, 0 other divergences, 0 changed in wording only, 40 identical');
    expect(r.stdout).toContain('verdict flips: none (40 of 40 pairs scored on both sides)');
    expect(r.stdout).toContain('no pair changed; --all shows all 40');
    const json = JSON.parse((await runBin(['diff', run, run, '--format', 'json', '--all'])).stdout) as RunDiff;
    expect(json.diffs).toHaveLength(40);
    for (const d of json.diffs) {
      expect(d.a.conversation_id).toBe(d.b.conversation_id);
      expect(d.first_divergence).toBeNull();
    }
    const out = join(await tempDir(), 'd.html');
    const a = join(run, 'conversations', (await readdir(join(run, 'conversations')))[0]!);
    expect((await runBin(['diff', a, a, '--format', 'html', '--out', out])).code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('Content-Security-Policy');
  });

  it('ends quietly when the reader closes the pipe (diff A B | head -1)', async () => {
    const full = await runBin(['diff', run, runB, '--format', 'html']);
    expect(full.stdout.length).toBeGreaterThan(100 * 1024); // still writing when the reader leaves
    const r = await runBinIntoHead(['diff', run, runB, '--format', 'html']);
    expect(r.first).toMatch(/^<!DOCTYPE html>/);
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(30_000);
  });
});
