import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer } from '../support/local-server/index.js';
import { binPath, repoRoot, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, tempDir } from '../helpers/replay.js';
import { completed, runAndKill, STEPS } from './harness.js';
import { lcg } from './fault-suite.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function resume(dir: string, url: string) {
  const child = spawn(process.execPath, [binPath, 'run', '--resume', dir, '--base-url', url], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, ANTHROPIC_API_KEY: FAKE_KEY, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; stderr: string; pid: number }>((r) => child.on('exit', (code) => r({ code, stderr, pid: child.pid! })));
  return { pid: child.pid!, exit };
}

describe('two concurrent resumes of one run (issue 17)', () => {
  it.each([1, 2, 3, 4, 5])('after a SIGKILL at a random point (seed %i), one resume takes the stale lock, the other is refused, and every turn is requested once', async (seed) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = false;
    server = await startLocalServer({ responder: echoResponder(), latency: { ttftMs: 10, perTokenMs: 1 }, hold: () => (held ? gate : undefined) });
    const out = await tempDir();
    const dir = join(out, 'crash');
    const conversations = 10;
    const next = lcg(seed);
    await runAndKill(server, out, 1 + Math.floor(next() * conversations * STEPS * 0.8), conversations, 3, false);
    expect(existsSync(join(dir, 'run.lock'))).toBe(true);
    const before = completed(await readTranscripts(dir).catch(() => []));
    const sentBefore = server.messageRequests().length;

    // Both start at once; replies are held until one of them has ended, so they overlap for sure.
    held = true;
    const a = resume(dir, server.url);
    const b = resume(dir, server.url);
    const first = await Promise.race([a.exit, b.exit]);
    held = false;
    release();
    const [ra, rb] = await Promise.all([a.exit, b.exit]);
    const refused = [ra, rb].filter((r) => r.code === 2);
    const ran = [ra, rb].filter((r) => r.code === 0);
    expect(refused).toHaveLength(1);
    expect(ran).toHaveLength(1);
    expect(first).toBe(refused[0]);
    expect(refused[0]!.stderr).toContain(`run in use by pid ${ran[0]!.pid}`);
    for (const r of [ra, rb]) expect(r.stderr).not.toMatch(STACK_LINE);

    // One replay, one budget: every turn not answered before the kill was asked for exactly once.
    expect(server.messageRequests().length - sentBefore).toBe(conversations * STEPS - before.size);
    const done = await readTranscripts(dir);
    expect(done.every((t) => t.status === 'complete' && t.turns.length === STEPS)).toBe(true);
    const after = completed(done);
    for (const [key, content] of before) expect(after.get(key)).toBe(content);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });
});
