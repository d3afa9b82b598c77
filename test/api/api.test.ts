import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { diff, formatProblem, type Logger, type ReplayEvent, report, run, ScenarioError, score, TranscriptError, UsageError, validate } from '../../engine/index.js';
import { repoRoot } from '../helpers/cli.js';
import { localServers } from '../helpers/local-servers.js';
import { FAKE_KEY, THREE_STEPS } from '../helpers/replay.js';
import { echoResponder } from '../support/local-server/index.js';

/** A logger that keeps every line, by level: what the API said instead of printing. */
function collectingLogger(): Logger & { lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const at = (level: string) => (_fields: object, message: string) => void lines.push({ level, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const SCENARIO = 't1-cascading-migration.yaml';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftbench-api-'));
  await cp(join(repoRoot, 'scenarios', SCENARIO), join(dir, 'scenarios', SCENARIO));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// The API never prints: every test fails if anything reaches the console or the process's own
// streams. (The packed-package test checks the same from outside, on a child process's output.)
const writes: string[] = [];
beforeAll(() => {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
    vi.spyOn(stream, 'write').mockImplementation((...a: unknown[]) => {
      writes.push(String(a[0]));
      return write(...a);
    });
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...a: unknown[]) => void writes.push(a.map(String).join(' ')));
  }
});
afterEach(() => {
  expect(writes).toEqual([]);
});

describe('validate', () => {
  it('returns the valid scenarios with their trap steps', async () => {
    const r = await validate('scenarios', { cwd: dir });
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    // A template: every instance, each a plain scenario of the family.
    expect(r.valid).toHaveLength(12);
    expect(new Set(r.valid.map((v) => v.scenario.family))).toEqual(new Set(['t1-cascading-migration']));
    expect(new Set(r.valid.map((v) => v.scenario.id)).size).toBe(12);
    expect(r.valid[0]!.trapSteps.length).toBeGreaterThan(0);
  });

  it('returns problems instead of throwing them: a broken file and a missing path', async () => {
    const r = await validate([join(repoRoot, 'test/fixtures/broken-scenarios/bad-enum.yaml'), 'no-such-folder'], { cwd: dir });
    expect(r.ok).toBe(false);
    expect(r.valid).toEqual([]);
    const lines = r.problems.map(formatProblem);
    expect(lines.some((l) => /bad-enum\.yaml:\d+:\d+: /.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('no-such-folder'))).toBe(true);
  });
});

describe('run -> score -> report -> diff, offline', () => {
  const log = collectingLogger();
  const events: ReplayEvent[] = [];
  let first: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    first = await run({ scenarios: ['scenarios'], efforts: ['default'], repeats: 1, instances: 1, runName: 'a', cwd: dir, logger: log, onEvent: (e) => events.push(e) });
  });

  it('runs the rehearsal without a key, says so through the logger, and returns the run directory', async () => {
    expect(first.dir).toBe(join(dir, 'transcripts', 'a'));
    expect(first.manifest.plan.provider).toBe('rehearsal');
    expect(first.manifest.counts).toMatchObject({ conversations: 2, complete: 2, errored: 0 });
    expect(JSON.parse(await readFile(join(first.dir, 'manifest.json'), 'utf8')).run_id).toBe('a');
    expect(log.lines).toContainEqual({ level: 'warn', message: expect.stringContaining('running the offline rehearsal') });
    expect(log.lines).toContainEqual({ level: 'info', message: 'run done' });
  });

  it('hands every replay event to onEvent', () => {
    expect(events[0]?.type).toBe('run-started');
    expect(events.at(-1)?.type).toBe('run-done');
    expect(events.filter((e) => e.type === 'conversation-done')).toHaveLength(2);
  });

  it('scores with the heuristic judge by default and reports every conversation', async () => {
    const scoreLog = collectingLogger();
    const [s] = await score(first.dir, { cwd: dir, logger: scoreLog });
    expect(s).toMatchObject({ runId: 'a', judge: { id: 'heuristic' }, part: 'whole' });
    expect(s!.summary.conversations).toBe(2);
    expect(s!.summary.yes + s!.summary.no + s!.summary.unscored).toBe(2);
    expect(scoreLog.lines.some((l) => l.level === 'info' && l.message.startsWith('scored 2 conversations of a'))).toBe(true);

    const r = await report(first.dir, { cwd: dir, format: 'markdown' });
    expect(r.report.runs.map((x) => x.run_id)).toEqual(['a']);
    expect(r.rendered).toContain('|');
    expect(r.file).toBeUndefined();
  });

  it('writes a rendering only when asked, and decides gates without throwing', async () => {
    const r = await report([first.dir], { cwd: dir, format: 'json', out: 'report.json', failIf: ['mem_fail_rate > 1'] });
    expect(r.file).toBe(join(dir, 'report.json'));
    expect(JSON.parse(await readFile(r.file!, 'utf8'))).toEqual(JSON.parse(r.rendered!));
    expect(r.report.gates).toHaveLength(1);
    await expect(report(first.dir, { cwd: dir, out: 'x.txt' })).rejects.toBeInstanceOf(UsageError);
  });

  it('diffs two runs and returns the run diff', async () => {
    const second = await run({ scenarios: 'scenarios', efforts: ['default'], repeats: 1, instances: 1, runName: 'b', cwd: dir });
    await score(second.dir, { cwd: dir });
    const d = await diff(first.dir, second.dir, { cwd: dir, format: 'text' });
    expect(d.diff.format).toBe('driftbench.run-diff/1');
    if (d.diff.format === 'driftbench.run-diff/1') expect(d.diff.summary.compared).toBe(2);
    expect(d.rendered).toBeTypeOf('string');
  });
});

describe('run against an endpoint', () => {
  const servers = localServers();

  it('sends apiKey as the key, to baseUrl, and hands each turn to onEvent', async () => {
    const server = await servers.start({ responder: echoResponder() });
    const events: ReplayEvent[] = [];
    const r = await run({
      scenarios: join(repoRoot, THREE_STEPS),
      apiKey: FAKE_KEY,
      baseUrl: server.url,
      models: ['claude-opus-4-7'],
      efforts: ['high'],
      repeats: 1,
      runName: 'endpoint',
      cwd: dir,
      onEvent: (e) => events.push(e),
    });
    expect(r.manifest.plan.provider).toBe('anthropic');
    expect(r.manifest.counts).toMatchObject({ conversations: 1, complete: 1 });
    const sent = server.messageRequests();
    expect(sent).toHaveLength(3);
    // The key travels in a header (which one is the SDK's business): every request carries it.
    expect(sent.map((q) => Object.values(q.headers).includes(FAKE_KEY) || Object.values(q.headers).includes(`Bearer ${FAKE_KEY}`))).toEqual([true, true, true]);
    expect(events.filter((e) => e.type === 'turn-received')).toHaveLength(3);
  });
});

describe('errors are the named DriftbenchError classes', () => {
  it('run throws ScenarioError for an invalid suite', async () => {
    await expect(run({ scenarios: join(repoRoot, 'test/fixtures/broken-scenarios/bad-enum.yaml'), cwd: dir })).rejects.toBeInstanceOf(ScenarioError);
  });

  it('run throws UsageError for an unknown effort', async () => {
    await expect(run({ scenarios: 'scenarios', efforts: ['huge'], cwd: dir })).rejects.toBeInstanceOf(UsageError);
  });

  it('report throws TranscriptError for a run never scored', async () => {
    const r = await run({ scenarios: 'scenarios', efforts: ['default'], repeats: 1, instances: 1, runName: 'unscored', cwd: dir });
    await expect(report(r.dir, { cwd: dir })).rejects.toBeInstanceOf(TranscriptError);
  });

  it('score throws TranscriptError for a path that holds no run', async () => {
    await expect(score('no-such-run', { cwd: dir })).rejects.toBeInstanceOf(TranscriptError);
  });
});

describe('logging', () => {
  it('takes a pino logger as it is', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    await run({ scenarios: 'scenarios', efforts: ['default'], repeats: 1, instances: 1, runName: 'pino', cwd: dir, logger });
    expect(lines.map((l) => JSON.parse(l).msg)).toContain('run done');
  });

  it('stops a run when its signal aborts', async () => {
    const r = await run({ scenarios: 'scenarios', efforts: ['default'], repeats: 1, instances: 1, runName: 'aborted', cwd: dir, signal: AbortSignal.abort() });
    expect(r.manifest.status).toBe('interrupted');
    expect(r.manifest.counts.complete).toBe(0);
  });
});
