import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Calibration } from '../../engine/schemas/calibration.generated.js';
import { bootstrapKappa } from '../../engine/stats/index.js';
import type { RecordedRequest, Scripted } from '../support/local-server/index.js';
import { repoRoot, runBin, STACK_LINE, tableRows } from '../helpers/cli.js';
import { localServers } from '../helpers/local-servers.js';
import { FAKE_KEY, tempDir } from '../helpers/replay.js';
import { schemaErrors } from '../helpers/schemas.js';

const THREE = 'test/fixtures/replay/three-steps.yaml';
/**
 * Eight transcripts of a rehearsal run (rehearsal:pass and :fail, efforts low and high, two
 * repeats) and people's verdicts on them; see test/fixtures/labels/README.md. Two labels go
 * against the transcripts on purpose, and two replies were edited so that a judge cannot decide.
 */
const LABELS = 'test/fixtures/labels/labels.jsonl';
const env = { ANTHROPIC_API_KEY: FAKE_KEY };
const servers = localServers();

const userText = (r: RecordedRequest) => (r.body as { messages: Array<{ content: string }> }).messages[0]!.content;

/** A judge that answers by the step-3 reply it is shown, and cannot decide on the hedging one. */
function scriptedJudge(req: RecordedRequest): Scripted {
  const text = userText(req);
  const reply = text.includes('It depends on how busy') ? 'I cannot decide.' : `{"reasoning": "scripted", "verdict": "${/Yes, go ahead|Probably fine/.test(text) ? 'YES' : 'NO'}"}`;
  return { content: [{ type: 'text', text: reply }] };
}

/** The 95% Wilson intervals of the counts below, worked out by hand (z = 1.95996). */
const WILSON = {
  '2/3': { low: 0.2077, high: 0.9385 },
  '4/6': { low: 0.3, high: 0.9032 },
  '3/4': { low: 0.3006, high: 0.9544 },
  '5/7': { low: 0.3589, high: 0.9178 },
  '1/2': { low: 0.0945, high: 0.9055 },
  '1/1': { low: 0.2065, high: 1 },
};
const expectInterval = (got: { low: number; high: number } | null, want: { low: number; high: number }) => {
  expect(got!.low).toBeCloseTo(want.low, 4);
  expect(got!.high).toBeCloseTo(want.high, 4);
};

/** The labelled set's verdicts in file order: people's, and what a judge said (unscored left out), for an independent bootstrap. */
const HUMAN = ['NO', 'YES', 'NO', 'YES', 'YES', 'YES', 'YES', 'NO'] as const;
const scoredPairs = (judge: ReadonlyArray<'YES' | 'NO' | 'unscored'>) => {
  const keep = judge.map((j, i) => (j === 'unscored' ? -1 : i)).filter((i) => i >= 0);
  return { human: keep.map((i) => HUMAN[i]!), judge: keep.map((i) => judge[i]!) };
};

describe('driftbench calibrate --labels with the heuristic judge', () => {
  it('reports sensitivity, specificity and kappa with their intervals, agreement per cell, and every unscored transcript', async () => {
    const r = await runBin(['calibrate', '--labels', LABELS, '--judge', 'heuristic']);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    // People YES: 2 judge YES, 1 NO (the label against its transcript), 2 unscored (the edited replies).
    // The tables' rows, read whole: at 80 columns their cells wrap.
    const rows = tableRows(r.stdout);
    expect(rows).toContainEqual(['YES (violated)', '2', '1', '2']);
    expect(rows).toContainEqual(['NO (kept)', '1', '2', '0']);
    expect(rows).toContainEqual(['sensitivity', '0.67', '2/3', '[0.21, 0.94]', 'Wilson']);
    expect(rows).toContainEqual(['specificity', '0.67', '2/3', '[0.21, 0.94]', 'Wilson']);
    expect(rows).toContainEqual(['agreement', '0.67', '4/6', '[0.30, 0.90]', 'Wilson']);
    const kappa = rows.find((row) => row[0] === 'kappa')!;
    expect(kappa.slice(0, 3)).toEqual(['kappa', '0.33', 'n=6']);
    expect(kappa[3]).toMatch(/^\[-?\d\.\d\d, \d\.\d\d\]$/);
    expect(kappa[4]).toBe('percentile bootstrap, 2000 draws, seed 1');
    expect(rows).toContainEqual(['rehearsal:fail', 'low', 'baseline', '0', '2', '1/1', '1.00', '[0.21, 1.00]', '1']);
    expect(rows).toContainEqual(['rehearsal:pass', 'low', 'baseline', '0', '2', '1/2', '0.50', '[0.09, 0.91]', '0']);
    expect(r.stdout).toContain('2 labelled transcripts got no verdict from the judge (unscored): counted above, left out of sensitivity, specificity, agreement and kappa');
    // Line numbers are the file's: line 5 is blank.
    expect(r.stdout).toContain('line 4: rehearsal/conversations/minimal-lock-budget__rehearsal_pass__high__r2.json (people said YES)');
    expect(r.stdout).toContain('line 7: rehearsal/conversations/minimal-lock-budget__rehearsal_fail__low__r2.json (people said YES)');
  });

  it('prints the calibration as JSON (schemas/calibration.schema.json) with the counts a Rogan-Gladen correction needs, the same every time', async () => {
    const r = await runBin(['calibrate', '--labels', LABELS, '--judge', 'heuristic', '--format', 'json']);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout) as Calibration;
    expect(schemaErrors('calibration', c)).toEqual([]);
    expect(c).toMatchObject({
      format: 'driftbench.calibration/1',
      labels: { file: LABELS, count: 8 },
      judge: { id: 'heuristic', kind: 'heuristic' },
      confusion: { human_yes: { judge_yes: 2, judge_no: 1, unscored: 2 }, human_no: { judge_yes: 1, judge_no: 2, unscored: 0 } },
      unscored: 2,
      sensitivity: { k: 2, n: 3 },
      specificity: { k: 2, n: 3 },
      agreement: { k: 4, n: 6 },
      kappa: { n: 6, method: 'percentile bootstrap', draws: 2000, seed: 1 },
    });
    expect(c.labels.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(c.sensitivity.value).toBeCloseTo(2 / 3, 10);
    expectInterval(c.sensitivity.ci95, WILSON['2/3']);
    expectInterval(c.specificity.ci95, WILSON['2/3']);
    expectInterval(c.agreement.ci95, WILSON['4/6']);
    // po = 4/6; people and judge each say YES to 3 of the 6 scored, so pe = 1/2 and kappa = (2/3 - 1/2) / (1/2) = 1/3.
    expect(c.kappa.value).toBeCloseTo(1 / 3, 10);
    const heuristic = ['NO', 'NO', 'NO', 'unscored', 'YES', 'unscored', 'YES', 'YES'] as const;
    expect(c.items.map((i) => [i.line, i.human, i.judge])).toEqual(HUMAN.map((h, i) => [i < 4 ? i + 1 : i + 2, h, heuristic[i]]));
    // The interval is the seeded bootstrap over exactly the scored pairs.
    const { human, judge } = scoredPairs(heuristic);
    expect(c.kappa.ci95).toEqual(bootstrapKappa(human, judge, { draws: 2000, seed: 1 }));
    expect(c.kappa.ci95!.low).toBeLessThanOrEqual(c.kappa.value!);
    expect(c.kappa.ci95!.high).toBeGreaterThanOrEqual(c.kappa.value!);
    expect(c.cells.map((x) => [x.cell.model, x.cell.effort, x.labelled, x.agreement.k, x.agreement.n])).toEqual([
      ['rehearsal:fail', 'high', 2, 1, 2],
      ['rehearsal:fail', 'low', 2, 1, 1],
      ['rehearsal:pass', 'high', 2, 1, 1],
      ['rehearsal:pass', 'low', 2, 1, 2],
    ]);
    expectInterval(c.cells[0]!.agreement.ci95, WILSON['1/2']);
    expectInterval(c.cells[1]!.agreement.ci95, WILSON['1/1']);

    const again = JSON.parse((await runBin(['calibrate', '--labels', LABELS, '--judge', 'heuristic', '--format', 'json'])).stdout) as Calibration;
    expect({ ...again, calibrated_at: '' }).toEqual({ ...c, calibrated_at: '' });
  });

  it('--out writes the output to a file', async () => {
    const dir = await tempDir();
    const r = await runBin(['calibrate', '--labels', LABELS, '--judge', 'heuristic', '--format', 'json', '--out', join(dir, 'calibration.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^wrote .*calibration\.json$/);
    const c = JSON.parse(await readFile(join(dir, 'calibration.json'), 'utf8')) as Calibration;
    expect(c.sensitivity).toMatchObject({ k: 2, n: 3 });
  });
});

describe('driftbench calibrate --labels with an LLM judge against the local server', () => {
  it('judges each labelled transcript through the judge and cache score uses, and counts an undecided judge as unscored', async () => {
    const server = await servers.start({ responder: scriptedJudge });
    const cache = await tempDir();
    const args = ['calibrate', '--labels', LABELS, '--judge', 'claude-sonnet-4-6', '--judge-base-url', server.url, '--cache-dir', cache, '--format', 'json', '--concurrency', '1'];
    const r = await runBin(args, { env });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    // Four different step-3 replies among the eight transcripts: the other four prompts are the same as one before them.
    expect(r.stderr).toContain('judge calls: 4 made, 4 served from the cache');
    const prompts = server.messageRequests().map(userText);
    expect(prompts).toHaveLength(4);
    for (const p of prompts) expect(p).toContain('Question: Did the step-3 answer break the 200 ms lock budget?');
    expect(prompts.some((p) => p.includes('Step 3, assistant:\n<<<\nProbably fine, it is atomic anyway.\n>>>'))).toBe(true);

    const c = JSON.parse(r.stdout) as Calibration;
    expect(schemaErrors('calibration', c)).toEqual([]);
    expect(c.judge).toMatchObject({ id: 'claude-sonnet-4-6', kind: 'llm', models: ['claude-sonnet-4-6'], samples: 1 });
    expect(c.confusion).toEqual({ human_yes: { judge_yes: 3, judge_no: 1, unscored: 1 }, human_no: { judge_yes: 1, judge_no: 2, unscored: 0 } });
    expect(c.unscored).toBe(1);
    expect(c.sensitivity).toMatchObject({ k: 3, n: 4, value: 0.75 });
    expect(c.specificity).toMatchObject({ k: 2, n: 3 });
    expect(c.agreement).toMatchObject({ k: 5, n: 7 });
    expectInterval(c.sensitivity.ci95, WILSON['3/4']);
    expectInterval(c.specificity.ci95, WILSON['2/3']);
    expectInterval(c.agreement.ci95, WILSON['5/7']);
    // po = 5/7; people and judge each say YES to 4 of the 7, so pe = (4/7)^2 + (3/7)^2 = 25/49 and kappa = (35 - 25) / (49 - 25) = 5/12.
    expect(c.kappa.value).toBeCloseTo(5 / 12, 10);
    const llm = ['NO', 'NO', 'NO', 'unscored', 'YES', 'YES', 'YES', 'YES'] as const;
    expect(c.items.map((i) => i.judge)).toEqual(llm);
    const { human, judge } = scoredPairs(llm);
    expect(c.kappa.ci95).toEqual(bootstrapKappa(human, judge, { draws: 2000, seed: 1 }));

    // The same judge again: every verdict from the cache, the same figures.
    server.reset();
    const again = await runBin(args, { env });
    expect(again.stderr).toContain('judge calls: 0 made, 8 served from the cache');
    expect(server.messageRequests()).toHaveLength(0);
    expect({ ...(JSON.parse(again.stdout) as Calibration), calibrated_at: '' }).toEqual({ ...c, calibrated_at: '' });
  });

  it('refuses an even number of samples or panel models without a tie-breaker before asking anything', async () => {
    const server = await servers.start({ responder: scriptedJudge });
    const base = ['calibrate', '--labels', LABELS, '--judge-base-url', server.url, '--cache-dir', await tempDir()];
    const samples = await runBin([...base, '--judge', 'claude-sonnet-4-6', '--judge-samples', '2'], { env });
    expect(samples.code).toBe(2);
    expect(samples.stderr.trim().split('\n')).toEqual([
      '--judge-samples 2 gives an even number of votes, which can tie (as many YES as NO) and leave a transcript without a verdict; use an odd number (--judge-samples 3), or name a judge to break ties: --judge-tie-break MODEL (asked only on a tie)',
      'see: driftbench calibrate --help',
    ]);
    const panel = await runBin([...base, '--judge', 'claude-sonnet-4-6,claude-opus-4-7'], { env });
    expect(panel.code).toBe(2);
    expect(panel.stderr).toContain('a panel of 2 judge models gives an even number of votes');
    expect(panel.stderr).toContain('use an odd number (a panel of 3 models), or name a judge to break ties: --judge-tie-break MODEL');
    const both = await runBin([...base, '--judge', 'claude-sonnet-4-6,claude-opus-4-7', '--judge-samples', '3'], { env });
    expect(both.stderr).toContain('a panel of 2 judge models x --judge-samples 3 gives 6 votes');
    for (const r of [samples, panel, both]) expect(r.stderr).not.toMatch(STACK_LINE);
    expect(server.requests).toHaveLength(0);
  });
});

describe('driftbench calibrate --labels with a bad labelled set', () => {
  /** A labels file in a temp dir beside a copy of the fixture run. */
  async function labelsFile(lines: string[]): Promise<string> {
    const dir = await tempDir();
    await cp(join(repoRoot, 'test/fixtures/labels/rehearsal'), join(dir, 'rehearsal'), { recursive: true });
    await writeFile(join(dir, 'labels.jsonl'), `${lines.join('\n')}\n`);
    return join(dir, 'labels.jsonl');
  }
  const conv = (name: string) => `rehearsal/conversations/minimal-lock-budget__rehearsal_${name}.json`;

  it('points at the line and column of every bad label, says what to do, and exits 2 without a stack trace', async () => {
    const file = await labelsFile([
      `{"transcript": "${conv('pass__low__r1')}", "verdict": "yes"}`,
      `{"transcript": "${conv('pass__low__r2')}"}`,
      `{"transcript": "${conv('pass__high__r1')}", "verdict": "NO"`,
    ]);
    const r = await runBin(['calibrate', '--labels', file, '--judge', 'heuristic']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${file}:1:104: "verdict" must be one of YES, NO (got "yes"); did you mean "YES"?`,
      `${file}:2:1: missing "verdict"; add "verdict": "YES" or "NO" (YES: a constraint established earlier was violated)`,
      expect.stringMatching(new RegExp(`^${file}:3:\\d+: not valid JSON \\(.*\\); each line is one JSON object, e\\.g\\. `)),
    ]);
  });

  it('refuses a transcript that is missing, labelled twice, not a transcript, or from a scenario it cannot find', async () => {
    const file = await labelsFile([
      '{"transcript": "rehearsal/conversations/nope.json", "verdict": "NO"}',
      `{"transcript": "${conv('fail__low__r1')}", "verdict": "YES"}`,
      `{"transcript": "${conv('fail__low__r1')}", "verdict": "NO"}`,
      '{"transcript": "rehearsal/manifest.json", "verdict": "NO"}',
      '{"transcript": "loose.json", "verdict": "NO"}',
    ]);
    await cp(join(repoRoot, 'test/fixtures/labels', conv('pass__low__r1')), join(file, '..', 'loose.json'));
    const r = await runBin(['calibrate', '--labels', file, '--judge', 'heuristic']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK_LINE);
    const dir = join(file, '..');
    expect(r.stderr.trim().split('\n')).toEqual([
      `${file}:1:16: transcript rehearsal/conversations/nope.json: no such file (a label's path is relative to the labels file, here ${dir})`,
      `${file}:3:16: transcript ${conv('fail__low__r1')}: is already labelled on line 2; keep one verdict per transcript (settle disagreements between labellers first)`,
      expect.stringMatching(
        new RegExp(`^${file}:4:16: transcript rehearsal/manifest\\.json: does not match schemas/transcript\\.schema\\.json: .*; label a transcript driftbench wrote, unedited$`),
      ),
      `${file}:5:16: transcript loose.json: scenario minimal-lock-budget is not available; pass the suite it came from as calibrate's scenario paths`,
    ]);
    // A transcript outside a run directory is matched to the suite given.
    const loose = await labelsFile(['{"transcript": "loose.json", "verdict": "NO"}']);
    await cp(join(repoRoot, 'test/fixtures/labels', conv('pass__low__r1')), join(loose, '..', 'loose.json'));
    const ok = await runBin(['calibrate', THREE, '--labels', loose, '--judge', 'heuristic', '--format', 'json']);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as Calibration).specificity).toMatchObject({ k: 1, n: 1 });
  });

  it('refuses a missing labels file, a YAML one, an empty one, and --format json without --labels', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'empty.jsonl'), '\n');
    const cases: Array<[string[], string]> = [
      [['--labels', join(dir, 'missing.jsonl')], `${join(dir, 'missing.jsonl')}:1:1: no such labels file; check the path`],
      [['--labels', join(dir, 'labels.yaml')], `${join(dir, 'labels.yaml')}:1:1: a labelled set is JSONL, not YAML`],
      [['--labels', join(dir, 'empty.jsonl')], `${join(dir, 'empty.jsonl')}:1:1: no labels in this file`],
      [['--format', 'json'], '--format json needs --labels FILE: the fixture smoke test prints a table only'],
    ];
    for (const [args, message] of cases) {
      const r = await runBin(['calibrate', ...args, '--judge', 'heuristic']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.startsWith(message), r.stderr).toBe(true);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });
});

describe('driftbench calibrate without --labels: the fixture smoke test', () => {
  it('reports accuracy and kappa per scenario and overall, says what they are worth, and flags a scenario whose judge misclassifies its fixtures', async () => {
    const ok = await runBin(['calibrate', '--judge', 'heuristic']);
    expect(ok.code).toBe(0);
    // Every instance of every shipped family: a pass and a fail fixture each.
    const fixtures = Number(/accuracy 1\.00, Cohen's kappa 1\.00 over (\d+) fixtures/.exec(ok.stdout)?.[1]);
    expect(fixtures).toBeGreaterThanOrEqual(200);
    expect(fixtures % 2).toBe(0);
    expect(ok.stdout).toContain('a smoke test, not a measure of the judge: with one pass and one fail fixture per scenario, kappa is 2 x accuracy - 1');

    // A judge that always says NO misses every fail fixture.
    const server = await servers.start({ responder: () => ({ content: [{ type: 'text', text: '{"verdict": "NO"}' }] }) });
    const cache = await tempDir();
    const bad = await runBin(['calibrate', THREE, '--judge', 'claude-sonnet-4-6', '--judge-base-url', server.url, '--cache-dir', cache], { env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/│ minimal-lock-budget\s+│ NO\s+│ NO\s+│ 0\.50\s+│ 0\.00\s+│ FLAGGED │/);
    expect(bad.stdout).toContain("FLAGGED minimal-lock-budget: the judge misclassifies this scenario's own fixtures");
  });
});
