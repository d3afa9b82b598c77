import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer } from '../support/local-server/index.js';
import { binPath, repoRoot, runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir } from '../helpers/replay.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('driftbench run (the real binary)', () => {
  it('with no API key, rehearses every scenario offline, says so, and prints where the transcripts are', async () => {
    const out = await tempDir();
    const r = await runBin(['run', '--out', out, '--run-name', 'rehearsal'], { env: {} });
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(
      "No ANTHROPIC_API_KEY set: running the offline rehearsal (rehearsal:pass and rehearsal:fail replay each scenario's fixtures; no network, no cost).",
    );
    expect(r.stdout).toContain('run rehearsal: complete');
    expect(r.stdout).toContain(`transcripts: ${join(out, 'rehearsal', 'conversations')}/`);
    // Offline, what was found comes with it: mem_fail per cell by the heuristic judge.
    expect(r.stdout).toContain('  found (heuristic judge, offline): mem_fail per cell');
    expect(r.stdout).toMatch(/ {4}rehearsal:fail \/ high: (\d+)\/\1 failed, S = \d+/);
    expect(r.stdout).toMatch(/ {4}rehearsal:pass \/ high: 0\/\d+ failed, S = \d+/);
    // It ends with the next commands, ready to copy.
    expect(r.stdout.trimEnd().split('\n').slice(-3)).toEqual([
      'next: score it offline with the heuristic judge, then read the report:',
      `  driftbench score ${join(out, 'rehearsal')} --judge heuristic`,
      `  driftbench report ${join(out, 'rehearsal')}`,
    ]);
    const transcripts = await readTranscripts(join(out, 'rehearsal')); // validates every file against the schema
    const scenarioIds = new Set(transcripts.map((t) => t.scenario.id));
    expect(scenarioIds.size).toBeGreaterThanOrEqual(8);
    // The suite mixes template families, so the summary clusters as the report does: S counts families.
    const families = new Set(transcripts.map((t) => t.scenario.family ?? t.scenario.id)).size;
    expect(r.stdout).toContain('  found (heuristic judge, offline): mem_fail per cell, S counting families');
    expect(r.stdout).toContain(`rehearsal:pass / high: 0/${scenarioIds.size} failed, S = ${families}`);
    expect(new Set(transcripts.map((t) => t.cell.model))).toEqual(new Set(['rehearsal:pass', 'rehearsal:fail']));
    expect(transcripts.every((t) => t.status === 'complete')).toBe(true);
    const manifest = JSON.parse(await readFile(join(out, 'rehearsal', 'manifest.json'), 'utf8')) as { status: string; plan: { repeats: number } };
    // The rehearsal replays fixed fixtures, so it takes one repeat unless asked.
    expect(manifest).toMatchObject({ status: 'complete', plan: { repeats: 1 } });
    // The whole suite, every instance: the README's main command.
  }, 180_000);

  it('with no API key, says that models asked for by name are not run, rather than run others silently', async () => {
    const out = await tempDir();
    const r = await runBin(['run', '--task', 'T1', '--models', 'claude-opus-9', '--repeats', '1', '--out', out, '--run-name', 'x'], { env: {} });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('--models claude-opus-9 is ignored offline: the rehearsal plays rehearsal:pass and rehearsal:fail at the efforts asked for; set ANTHROPIC_API_KEY');
    // Without --models, nothing to say.
    const plain = await runBin(['run', '--task', 'T1', '--repeats', '1', '--out', out, '--run-name', 'y'], { env: {} });
    expect(plain.stderr).not.toContain('is ignored offline');
  });

  it('scores and reports the newest run with no argument, or "latest", and says which run that is', async () => {
    const cwd = await tempDir();
    const three = join(repoRoot, 'test/fixtures/replay/three-steps.yaml');
    for (const name of ['older', 'newer']) {
      expect((await runBin(['run', three, '--repeats', '1', '--run-name', name], { env: {}, cwd })).code).toBe(0);
    }
    const score = await runBin(['score', '--judge', 'heuristic'], { cwd });
    expect(score.code).toBe(0);
    expect(score.stderr).toContain(`latest run: ${join('transcripts', 'newer')}`);
    const report = await runBin(['report', 'latest'], { cwd });
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('driftbench report: newer');
    // Nowhere to look: a clear line, exit 2.
    const empty = await runBin(['report'], { cwd: await tempDir() });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no run under transcripts/ to take as the latest');
  });

  it('run --report scores the run (offline: the heuristic judge) and prints the report, in one command', async () => {
    const out = await tempDir();
    const r = await runBin(['run', 'test/fixtures/replay/three-steps.yaml', '--effort', 'high', '--repeats', '2', '--out', out, '--run-name', 'e', '--report'], { env: {} });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/scored 4 conversations of e with judge heuristic/);
    expect(r.stdout).toContain('driftbench report: e (rehearsal, complete, 4 of 4 conversations scored); judge heuristic');
    expect(r.stdout).toContain('2/2 failed, S = 1');
    // The scores are the run's own, as `driftbench score` would have written them.
    expect((await readdir(join(out, 'e', 'scores'))).filter((f) => f.endsWith('.json'))).toEqual(['heuristic.json']);
  });

  it('--task T1 --axis model against an Anthropic-compatible endpoint writes 2 x repeats transcripts', async () => {
    server = await startLocalServer({ responder: echoResponder() });
    const out = await tempDir();
    const r = await runBin(
      ['run', '--provider', 'anthropic', '--base-url', server.url, '--task', 'T1', '--instances', '1', '--axis', 'model', '--out', out, '--run-name', 'axis-model'],
      {
        env: { ANTHROPIC_API_KEY: FAKE_KEY },
      },
    );
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('run axis-model: complete');
    expect(r.stdout).toContain('6 conversations: 6 complete, 0 refused, 0 hit max_tokens, 0 errored, 0 not finished');
    const transcripts = await readTranscripts(join(out, 'axis-model'));
    expect(transcripts).toHaveLength(6);
    expect(transcripts.map((t) => `${t.cell.model}/${t.cell.effort}`).sort()).toEqual([...Array(3).fill('claude-opus-4-6/high'), ...Array(3).fill('claude-opus-4-7/high')]);
    expect(server.messageRequests()).toHaveLength(6 * 5);
    expect(r.stdout + r.stderr).not.toContain(FAKE_KEY);
  });

  it('takes models, efforts, repeats and tasks from a matrix file', async () => {
    const out = await tempDir();
    const r = await runBin(['run', '--provider', 'rehearsal', '--matrix', 'test/fixtures/matrix/rehearsal-t1.yaml', '--out', out, '--run-name', 'm'], { env: {} });
    expect(r.code).toBe(0);
    const transcripts = await readTranscripts(join(out, 'm'));
    // One instance of the T1 template (instances: 1), its id the template's plus a hash of its values.
    const [instance] = new Set(transcripts.map((t) => t.scenario.id));
    expect(instance).toMatch(/^t1-cascading-migration--[0-9a-f]{6}$/);
    expect(transcripts.map((t) => t.conversation_id).sort()).toEqual([
      `${instance}__rehearsal_pass__high__r1`,
      `${instance}__rehearsal_pass__high__r2`,
      `${instance}__rehearsal_pass__standard__r1`,
      `${instance}__rehearsal_pass__standard__r2`,
    ]);
  });

  it('exits 2 with a clear line for an unknown task, axis or provider without a key', async () => {
    const a = await runBin(['run', '--task', 'T9'], { env: {} });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--task T9: no such task, scenario id or family; known: .*T1, T2, T3, T4, T5/);
    const b = await runBin(['run', '--axis', 'temperature'], { env: {} });
    expect(b.stderr).toContain('--axis temperature: unknown axis; choose one of model, effort');
    const c = await runBin(['run', '--provider', 'openrouter'], { env: {} });
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('--provider openrouter needs OPENROUTER_API_KEY in the environment');
    expect(a.stderr + b.stderr + c.stderr).not.toMatch(STACK_LINE);
  });
});

describe('crash and resume', () => {
  const STEPS = 3;
  const CONVERSATIONS = 6;

  async function killAfter(requests: number, out: string): Promise<void> {
    const child = spawn(process.execPath, [binPath, ...replayArgs(server!.url, '--repeats', String(CONVERSATIONS), '--concurrency', '3', '--out', out, '--run-name', 'crash')], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, ANTHROPIC_API_KEY: FAKE_KEY, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('exit', r));
    // Kill on the request itself; a run that ends before sending it fails the test here.
    const early = exited.then((code) => Promise.reject(new Error(`the run exited (${String(code)}) before request ${requests}`)));
    await Promise.race([server!.waitForRequests(requests, (r) => r.path === '/v1/messages'), early]);
    child.kill('SIGKILL');
    await exited;
  }

  it.each([2, 7, 13])('after SIGKILL at request %i, resume loses no completed turn and requests none again', async (killAt) => {
    // Slow enough that the kill lands mid-run: 40 ms to the first token, 2 ms per token.
    server = await startLocalServer({ responder: echoResponder(), latency: { ttftMs: 40, perTokenMs: 2 } });
    const out = await tempDir();
    await killAfter(killAt, out);
    const runDir = join(out, 'crash');
    const before = await readTranscripts(runDir).catch(() => []);
    const completed = before.reduce((n, t) => n + t.turns.filter((x) => x.response !== null).length, 0);
    const sentBeforeResume = server.messageRequests().length;

    const r = await runBin(['run', '--resume', runDir, '--base-url', server.url], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('run crash: complete');

    const after = await readTranscripts(runDir); // each validates against the schema
    expect(after).toHaveLength(CONVERSATIONS);
    for (const t of after) {
      expect(t.status).toBe('complete');
      expect(t.turns.map((x) => x.step)).toEqual([1, 2, 3]);
    }
    // Every turn completed before the kill survived unchanged...
    for (const t of before) {
      const now = after.find((a) => a.conversation_id === t.conversation_id)!;
      for (const turn of t.turns.filter((x) => x.response !== null)) expect(now.turns[turn.step - 1]).toEqual(turn);
    }
    // ...and the resumed run asked only for the turns that were not complete.
    expect(server.messageRequests().length - sentBeforeResume).toBe(CONVERSATIONS * STEPS - completed);
  });
});
