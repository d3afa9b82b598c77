import { createWriteStream, existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IMPORT_OUT, importCommand, type ImportOptions } from '../../engine/cli/commands/import.js';
import { diffCommand } from '../../engine/cli/commands/diff.js';
import { reportCommand } from '../../engine/cli/commands/report.js';
import { scoreCommand } from '../../engine/cli/commands/score.js';
import { captureOutput } from '../../engine/cli/output.js';
import { UsageError } from '../../engine/errors.js';
import { validateSuite } from '../../engine/scenario/scenario-files.js';
import { heuristicJudge } from '../../engine/score/judge.js';
import { replyText } from '../../engine/transcript/format.js';
import { loadRunScenarios } from '../../engine/transcript/run-scenarios.js';
import { RunStore } from '../../engine/transcript/run-store.js';
import { repoRoot } from '../helpers/cli.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'import');
const NOW = Date.parse('2026-05-01T12:00:00Z');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftbench-import-'));
  await cp(FIXTURES, dir, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(o: Partial<ImportOptions> & Pick<ImportOptions, 'format' | 'input'>) {
  const output = captureOutput();
  return { output, done: importCommand({ responses: [], ...o }, { output, cwd: dir, now: () => NOW, engineVersion: '0.0.0-test' }) };
}

describe('driftbench import multichallenge', () => {
  it('imports the good rows, reports the bad ones by line, and writes a run of the responses', async () => {
    const { output, done } = run({ format: 'multichallenge', input: 'multichallenge-questions.jsonl', responses: ['claude-opus-4-7.jsonl', 'claude-opus-4-6.jsonl'] });
    const result = await done;

    expect(result.bad).toEqual([
      { file: 'multichallenge-questions.jsonl', line: 3, message: expect.stringMatching(/^not valid JSON/) },
      { file: 'multichallenge-questions.jsonl', line: 4, message: expect.stringMatching(/CONVERSATION\[1\] is a second user turn in a row; roles must alternate/) },
      { file: 'claude-opus-4-6.jsonl', line: 3, message: expect.stringMatching(/QUESTION_ID "6720a1f3b2c4d5e6f7a8b9c3" has no imported question/) },
    ]);
    expect(output.stderr).toEqual([
      expect.stringMatching(/^multichallenge-questions\.jsonl:3:1: not valid JSON/),
      expect.stringMatching(/^multichallenge-questions\.jsonl:4:1: CONVERSATION\[1\]/),
      expect.stringMatching(/^claude-opus-4-6\.jsonl:3:1: QUESTION_ID/),
    ]);
    expect(result).toMatchObject({ scenarios: 3, transcripts: 6 + 3 });
    expect(output.stdout).toEqual([
      'multichallenge-questions.jsonl: 3 scenarios written to transcripts/imported/multichallenge; 2 bad rows skipped',
      'claude-opus-4-7.jsonl: 6 responses of claude-opus-4-7 to 3 questions',
      'claude-opus-4-6.jsonl: 3 responses of claude-opus-4-6 to 3 questions; 1 bad row skipped',
      'transcripts/imported-multichallenge: imported run of 9 conversations (3 scenarios, 2 models, up to 2 repeats); score it with: driftbench score transcripts/imported-multichallenge',
    ]);

    // Every scenario written validates as a suite, and starts with a schema comment that resolves.
    const out = join(dir, DEFAULT_IMPORT_OUT.multichallenge);
    const suite = await validateSuite([out], { cwd: dir });
    expect([...suite.problems, ...suite.verdicts.flatMap((v) => v.problems)]).toEqual([]);
    const ids = suite.verdicts.map((v) => v.loaded!.scenario.id);
    expect(ids).toEqual(['mc-6720a1f3b2c4d5e6f7a8b9c0', 'mc-6720a1f3b2c4d5e6f7a8b9c1', 'mc-6720a1f3b2c4d5e6f7a8b9c4']);
    for (const v of suite.verdicts) {
      const first = (await readFile(join(dir, v.file), 'utf8')).split('\n')[0]!;
      const ref = first.match(/^# yaml-language-server: \$schema=(.+)$/)?.[1];
      expect(ref && existsSync(resolve(out, ref))).toBe(true);
    }
    const retention = suite.verdicts[0]!.loaded!.scenario;
    expect(retention).toMatchObject({ category: 'imported', history: 'prefilled', tags: ['multichallenge', 'instruction-retention'], judge: { steps: [3], pass_answer: 'YES' } });
    expect(retention.steps.map((s) => s.reply === undefined)).toEqual([false, false, true]);

    // The run directory: manifest, snapshots whose hashes match, and transcripts that validate.
    const store = new RunStore(join(dir, 'transcripts', 'imported-multichallenge'));
    const manifest = await store.readManifest();
    expect(manifest).toMatchObject({ run_id: 'imported-multichallenge', status: 'complete', counts: { conversations: 9, complete: 9, pending: 0 } });
    expect(manifest.plan).toMatchObject({ provider: 'imported', models: ['claude-opus-4-7', 'claude-opus-4-6'], efforts: ['standard'], repeats: 2 });
    expect(manifest.plan.conversations.map((c) => `${c.scenario}/${c.model}/${c.repeat}`)).toEqual([
      'mc-6720a1f3b2c4d5e6f7a8b9c0/claude-opus-4-7/1',
      'mc-6720a1f3b2c4d5e6f7a8b9c0/claude-opus-4-7/2',
      'mc-6720a1f3b2c4d5e6f7a8b9c0/claude-opus-4-6/1',
      'mc-6720a1f3b2c4d5e6f7a8b9c1/claude-opus-4-7/1',
      'mc-6720a1f3b2c4d5e6f7a8b9c1/claude-opus-4-7/2',
      'mc-6720a1f3b2c4d5e6f7a8b9c1/claude-opus-4-6/1',
      'mc-6720a1f3b2c4d5e6f7a8b9c4/claude-opus-4-7/1',
      'mc-6720a1f3b2c4d5e6f7a8b9c4/claude-opus-4-7/2',
      'mc-6720a1f3b2c4d5e6f7a8b9c4/claude-opus-4-6/1',
    ]);
    const snapshots = await loadRunScenarios(store);
    expect([...snapshots.keys()]).toEqual(ids);

    for (const c of manifest.plan.conversations) {
      const t = (await store.readTranscript(c.id))!;
      expect(t).toMatchObject({
        status: 'complete',
        cell: { model: c.model, effort: 'standard', repeat: c.repeat },
        imported: { source: 'multichallenge', file: `${c.model}.jsonl` },
      });
      expect(t.scenario.hash).toBe(snapshots.get(c.scenario)!.hash);
    }
    const t = (await store.readTranscript('mc-6720a1f3b2c4d5e6f7a8b9c1__claude-opus-4-6__standard__r1'))!;
    expect(t.turns.map((x) => [x.kind, x.user, replyText(x)])).toEqual([
      [
        'prefilled',
        "I'm planning dinner for my in-laws next week. My father-in-law is allergic to shellfish.",
        "Thanks for telling me. I'll keep the shellfish allergy in mind for any suggestions.",
      ],
      ['generated', 'Suggest a festive main course with a Spanish theme.', 'A classic seafood paella with prawns and mussels would be perfect.'],
    ]);
    expect((await readdir(store.path('conversations'))).length).toBe(9);
  });

  it('gives a run that score and report read unchanged', async () => {
    await run({ format: 'multichallenge', input: 'multichallenge-questions.jsonl', responses: ['claude-opus-4-7.jsonl', 'claude-opus-4-6.jsonl'] }).done;
    const output = captureOutput();
    const deps = { output, cwd: dir, now: () => NOW, engineVersion: '0.0.0-test' };
    const [scored] = await scoreCommand({ inputs: ['transcripts/imported-multichallenge'], scenarios: [], coherence: false, concurrency: 2 }, { ...deps, judge: heuristicJudge() });
    expect(scored!.summary.conversations).toBe(9);
    const report = await reportCommand({ runs: ['transcripts/imported-multichallenge'], format: 'json', failIf: [] }, deps);
    expect(report.runs).toMatchObject([{ run_id: 'imported-multichallenge', provider: 'imported', conversations: 9 }]);
    const conv = (model: string) => `transcripts/imported-multichallenge/conversations/mc-6720a1f3b2c4d5e6f7a8b9c1__${model}__standard__r1.json`;
    const d = await diffCommand({ a: conv('claude-opus-4-7'), b: conv('claude-opus-4-6'), format: 'json', scenarios: [] }, deps);
    expect(d.format === 'driftbench.diff/1' && d.steps).toHaveLength(2);
  });

  it('refuses to mix responses into an earlier import', async () => {
    await run({ format: 'multichallenge', input: 'multichallenge-questions.jsonl', responses: ['claude-opus-4-7.jsonl'] }).done;
    await expect(run({ format: 'multichallenge', input: 'multichallenge-questions.jsonl', responses: ['claude-opus-4-7.jsonl'] }).done).rejects.toThrow(UsageError);
    const again = await run({ format: 'multichallenge', input: 'multichallenge-questions.jsonl', responses: ['claude-opus-4-7.jsonl'], runOut: 'elsewhere' }).done;
    expect(again.transcripts).toBe(6);
    expect((await stat(join(dir, 'elsewhere', 'imported-multichallenge', 'manifest.json'))).isFile()).toBe(true);
  });

  it('reports a repeated question id and keeps scenario ids unique and schema-safe', async () => {
    const row = (id: string) =>
      JSON.stringify({ QUESTION_ID: id, AXIS: 'SELF_COHERENCE', CONVERSATION: [{ role: 'user', content: 'Hi' }], TARGET_QUESTION: 'Is it polite?', PASS_CRITERIA: 'YES' });
    const long = 'Q'.repeat(90);
    await writeFile(join(dir, 'ids.jsonl'), `${[row('Q_1'), row('q-1'), row('Q_1'), row(long), row('???')].join('\n')}\n`);
    const result = await run({ format: 'multichallenge', input: 'ids.jsonl', out: 'ids' }).done;
    expect(result.bad).toEqual([{ file: 'ids.jsonl', line: 3, message: 'QUESTION_ID "Q_1" was already imported from line 1; question ids must be unique' }]);
    const suite = await validateSuite(['ids'], { cwd: dir });
    expect([...suite.problems, ...suite.verdicts.flatMap((v) => v.problems)]).toEqual([]);
    const ids = suite.verdicts.map((v) => v.loaded!.scenario.id);
    expect(ids).toHaveLength(4);
    expect(ids).toContain('mc-q-1');
    expect(ids.filter((id) => /^mc-q-1-[0-9a-f]{8}$/.test(id))).toHaveLength(1);
    expect(ids.filter((id) => /^mc-q+-[0-9a-f]{8}$/.test(id) && id.length <= 64)).toHaveLength(1);
    expect(ids.filter((id) => /^mc-[0-9a-f]{8}$/.test(id))).toHaveLength(1);
  });

  it('says clearly when an input file is missing', async () => {
    await expect(run({ format: 'multichallenge', input: 'nope.jsonl' }).done).rejects.toThrow(/nope\.jsonl: no such file/);
    await expect(run({ format: 'multichallenge', input: 'multichallenge-questions.jsonl', responses: ['gone.jsonl'] }).done).rejects.toThrow(/gone\.jsonl: no such file/);
  });
});

describe('driftbench import mtbench', () => {
  it('imports live multi-turn scenarios and reports the malformed row', async () => {
    const { output, done } = run({ format: 'mtbench', input: 'mtbench-questions.jsonl', out: 'mt' });
    const result = await done;
    expect(result.bad).toEqual([{ file: 'mtbench-questions.jsonl', line: 3, message: expect.stringMatching(/^not valid JSON/) }]);
    expect(output.stderr).toEqual([expect.stringMatching(/^mtbench-questions\.jsonl:3:1: not valid JSON/)]);
    expect(result).toMatchObject({ scenarios: 3, transcripts: 0 });
    expect(output.stdout).toEqual(['mtbench-questions.jsonl: 3 scenarios written to mt; 1 bad row skipped']);

    const suite = await validateSuite(['mt'], { cwd: dir });
    expect([...suite.problems, ...suite.verdicts.flatMap((v) => v.problems)]).toEqual([]);
    const scenarios = suite.verdicts.map((v) => v.loaded!.scenario);
    expect(scenarios.map((s) => s.id)).toEqual(['mtbench-111', 'mtbench-81', 'mtbench-91']);
    const s = scenarios.find((x) => x.id === 'mtbench-81')!;
    expect(s).toMatchObject({ category: 'imported', history: 'live', constraints: [], tags: ['mtbench', 'writing'], judge: { steps: [2], pass_answer: 'YES' } });
    expect(s.fixtures).toBeUndefined();
    expect(s.steps).toHaveLength(2);
  });

  it('takes no response files', async () => {
    await expect(run({ format: 'mtbench', input: 'mtbench-questions.jsonl', responses: ['claude-opus-4-7.jsonl'] }).done).rejects.toThrow(/--responses is only for multichallenge/);
  });
});

/**
 * A full collection on demand, so the test measures what is retained rather than garbage not
 * yet collected (heapUsed alone swings by tens of megabytes with V8's heap sizing). Node does
 * not expose gc without a flag; the flag can be set at run time and the function taken from a
 * fresh context.
 */
function forceGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('streaming', () => {
  it('imports 20,000 rows of a large file with flat memory, writing each scenario as it goes', async () => {
    const rows = 20_000;
    const file = join(dir, 'big.jsonl');
    const w = createWriteStream(file);
    const filler = 'Context the model must keep in mind. '.repeat(100);
    for (let i = 0; i < rows; i++) {
      const row = {
        QUESTION_ID: `big-${i}`,
        AXIS: 'INFERENCE_MEMORY',
        CONVERSATION: [
          { role: 'user', content: `Question ${i}. ${filler}` },
          { role: 'assistant', content: `Noted ${i}.` },
          { role: 'user', content: `Now answer question ${i}.` },
        ],
        TARGET_QUESTION: 'Does the response use the context?',
        PASS_CRITERIA: 'YES',
      };
      if (!w.write(`${JSON.stringify(row)}\n`)) await once(w, 'drain');
    }
    w.end();
    await once(w, 'finish');
    const size = (await stat(file)).size;
    expect(size).toBeGreaterThan(70 * 1024 * 1024);

    const gc = forceGc();
    gc();
    const before = process.memoryUsage().heapUsed;
    let retained = 0;
    const sample = setInterval(() => {
      gc();
      retained = Math.max(retained, process.memoryUsage().heapUsed - before);
    }, 1000);
    const result = await run({ format: 'multichallenge', input: 'big.jsonl', out: 'big' }).done.finally(() => clearInterval(sample));
    const grown = process.memoryUsage().heapUsed - before;

    expect(result).toMatchObject({ scenarios: rows, bad: [] });
    expect((await readdir(join(dir, 'big'))).length).toBe(rows);
    // Holding the file (over 70 MB of text) or its scenarios would retain more than the limit at
    // some sample; streaming keeps only the id map (a few MB for 20,000 questions).
    expect(retained).toBeGreaterThan(0);
    expect(retained).toBeLessThan(40 * 1024 * 1024);
    expect(grown).toBeLessThan(60 * 1024 * 1024);
  }, 300_000);
});
