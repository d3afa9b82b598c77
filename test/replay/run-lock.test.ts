import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunManifest } from '../../engine/transcript/format.js';
import { echoResponder, type LocalServer } from '../support/local-server/index.js';
import { binPath, repoRoot, runBin, STACK_LINE } from '../helpers/cli.js';
import { localServers } from '../helpers/local-servers.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir } from '../helpers/replay.js';

const servers = localServers();
const STEPS = 3;
const CONVERSATIONS = 4;
const env = { PATH: process.env.PATH, ANTHROPIC_API_KEY: FAKE_KEY, NO_COLOR: '1' };

/** A server whose replies wait, while `held` is on, until the test lets them go. */
async function heldServer(): Promise<{ server: LocalServer; hold: (on: boolean) => void; release: () => void }> {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held = false;
  const server = await servers.start({ responder: echoResponder(), hold: () => (held ? gate : undefined) });
  return { server, hold: (on) => (held = on), release };
}

function start(args: string[]): { child: ChildProcess; exit: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [binPath, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exit, stderr: () => err };
}

/** Waits for the n-th messages request, failing fast if the process ends first. */
async function requestNumber(server: LocalServer, n: number, exit: Promise<number | null>): Promise<void> {
  const early = exit.then((code) => Promise.reject(new Error(`the process exited (${String(code)}) before request ${n}`)));
  await Promise.race([server.waitForRequests(n, (r) => r.path === '/v1/messages'), early]);
}

describe('the run lock (issue 17)', () => {
  it('takes over the lock of a killed run, refuses a second resume while the first holds it, and every turn is requested once', async () => {
    const { server, hold, release } = await heldServer();
    const out = await tempDir();
    const dir = join(out, 'lock');
    hold(true);
    // A run killed mid-request leaves its lock behind, naming a pid that is gone.
    const first = start(replayArgs(server.url, '--repeats', String(CONVERSATIONS), '--concurrency', '2', '--out', out, '--run-name', 'lock'));
    await requestNumber(server, 1, first.exit);
    first.child.kill('SIGKILL');
    await first.exit;
    const stale = JSON.parse(await readFile(join(dir, 'run.lock'), 'utf8')) as { pid: number };
    expect(stale.pid).toBe(first.child.pid);
    const sentBefore = server.messageRequests().length;

    // The first resume takes the stale lock over and is held mid-request...
    const a = start(['run', '--resume', dir, '--base-url', server.url]);
    await requestNumber(server, sentBefore + 1, a.exit);
    const sentByA = server.messageRequests().length;
    expect((JSON.parse(await readFile(join(dir, 'run.lock'), 'utf8')) as { pid: number }).pid).toBe(a.child.pid);
    // ...so a second one is refused, and sends nothing.
    const b = await runBin(['run', '--resume', dir, '--base-url', server.url], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(b.stderr).not.toMatch(STACK_LINE);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`run in use by pid ${a.child.pid}`);
    expect(server.messageRequests().length).toBe(sentByA);

    // Scoring a run still in progress warns, and scores no unfinished conversation as finished.
    const score = await runBin(['score', dir, '--judge', 'heuristic']);
    expect(score.stderr).not.toMatch(STACK_LINE);
    expect(score.stderr).toContain(`is still running (pid ${a.child.pid} holds it): its unfinished conversations are skipped`);
    const scoresFile = join(dir, 'scores', 'heuristic.json');
    if (existsSync(scoresFile)) {
      const scores = JSON.parse(await readFile(scoresFile, 'utf8')) as { conversations: Array<{ status: string }> };
      for (const c of scores.conversations) expect(['pending', 'running']).not.toContain(c.status);
    }

    hold(false);
    release();
    expect(await a.exit).toBe(0);
    // One budget, one replay: the resume asked for each turn exactly once (no turn had come back before the kill).
    expect(server.messageRequests().length - sentBefore).toBe(CONVERSATIONS * STEPS);
    const ts = await readTranscripts(dir);
    expect(ts.map((t) => t.status)).toEqual(Array(CONVERSATIONS).fill('complete'));
    // Released on a normal exit.
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  }, 120_000);

  it('SIGTERM aborts the turns in flight, writes the manifest and releases the lock', async () => {
    const { server, hold, release } = await heldServer();
    const out = await tempDir();
    hold(true);
    const run = start(replayArgs(server.url, '--repeats', '2', '--out', out, '--run-name', 'term'));
    await requestNumber(server, 1, run.exit);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(2);
    release();
    expect(run.stderr()).toContain('Terminated: aborting the turns in flight and writing the manifest.');
    const m = JSON.parse(await readFile(join(out, 'term', 'manifest.json'), 'utf8')) as RunManifest;
    expect(m).toMatchObject({ status: 'interrupted', status_reason: 'terminated (SIGTERM)' });
    expect(await readdir(join(out, 'term'))).not.toContain('run.lock');
  });

  it('is released when the run fails', async () => {
    const server = await servers.start({ responder: echoResponder() });
    const out = await tempDir();
    const dir = join(out, 'err');
    expect((await runBin(replayArgs(server.url, '--out', out, '--run-name', 'err'), { env: { ANTHROPIC_API_KEY: FAKE_KEY } })).code).toBe(0);
    // A scenario snapshot edited since: the resume fails (exit 2) once it holds the lock.
    const [snapshot] = await readdir(join(dir, 'scenarios'));
    await appendFile(join(dir, 'scenarios', snapshot!), '\n# edited\n');
    const r = await runBin(['run', '--resume', dir, '--base-url', server.url], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(2);
    expect(await readdir(dir)).not.toContain('run.lock');
  });
});
