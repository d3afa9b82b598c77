import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer } from '../support/local-server/index.js';
import type { RunManifest } from '../../engine/transcript/format.js';
import { fullDisk, runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir } from '../helpers/replay.js';
import { completed, STEPS } from './harness.js';
import { lcg } from './fault-suite.js';

// A disk that fills up during a run (issue 17, defect 8). Each time the run must end by itself,
// exit 2 with one line that names the resume command, leave every transcript whole, and lose no
// turn already written; the resume then finishes the run.
let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** stderr's lines besides the run log's JSON records. */
const plainLines = (stderr: string) => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));

/** Whether root may mount a tmpfs here (a container may not be allowed to). */
function canMount(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'driftbench-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

describe('a full disk during a run', () => {
  it('injected at 6 random writes: the run stops by itself, marked interrupted when the manifest fits, and resumes to the end', async () => {
    server = await startLocalServer({ responder: echoResponder(), latency: { ttftMs: 5, perTokenMs: 1 } });
    const random = lcg(23);
    const conversations = 12;
    for (let k = 0; k < 6; k++) {
      const out = await tempDir();
      const dir = join(out, 'full');
      const after = 1 + Math.floor(random() * conversations * STEPS);
      const manifestFits = k % 2 === 0;
      const sentBefore = server.messageRequests().length;
      const r = await runBin(replayArgs(server.url, '--repeats', String(conversations), '--concurrency', '4', '--out', out, '--run-name', 'full'), {
        env: { ANTHROPIC_API_KEY: FAKE_KEY },
        nodeArgs: fullDisk({ after, ...(manifestFits ? { matching: 'conversations' } : {}) }),
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).not.toMatch(STACK_LINE);
      const lines = plainLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/: no space left on device \(ENOSPC\); .*free space, then: driftbench run --resume /);
      const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
      if (manifestFits) expect(m).toMatchObject({ status: 'interrupted', status_reason: expect.stringContaining(`driftbench run --resume ${dir}`) });
      else expect(lines[0]).toContain('the manifest could not be updated either');
      // Whole transcripts only (each validates), and no temp file left behind.
      const before = completed(await readTranscripts(dir));
      expect((await readdir(dir, { recursive: true })).filter((f) => /\.\d+$/.test(String(f)))).toEqual([]);
      const sentFirst = server.messageRequests().length - sentBefore;

      const resumed = await runBin(['run', '--resume', dir, '--base-url', server.url], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
      expect(resumed.code, resumed.stderr).toBe(0);
      const done = await readTranscripts(dir);
      expect(done).toHaveLength(conversations);
      expect(done.every((t) => t.status === 'complete' && t.turns.length === STEPS)).toBe(true);
      for (const [key, content] of completed(done)) if (before.has(key)) expect(content).toBe(before.get(key));
      // Asked again: only the turns whose write failed, at most one per slot in flight.
      expect(sentFirst - before.size).toBeLessThanOrEqual(4);
      expect(server.messageRequests().length - sentBefore).toBe(conversations * STEPS + (sentFirst - before.size));
    }
  });

  // A real full disk: a 192 KiB tmpfs, which a run of 12 three-step conversations with 4 KiB
  // replies fills part way. Root may mount one on these machines; where it may not, this case says
  // so and fails, rather than pass without a disk filling up.
  it('on a real 192 KiB tmpfs: the run stops with ENOSPC, every transcript on it is whole, and the resume finishes once there is room', async () => {
    expect(canMount(), 'this case mounts a tmpfs: run the stress suite as root on a machine that allows mount').toBe(true);
    const reply = 'The migration keeps every lock under 200 ms. '.repeat(90); // about 4 KiB
    server = await startLocalServer({ responder: () => ({ content: [{ type: 'text', text: reply }] }), latency: { ttftMs: 5, perTokenMs: 0 } });
    const disk = mkdtempSync(join(tmpdir(), 'driftbench-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=192k', 'tmpfs', disk]);
    try {
      const dir = join(disk, 'full');
      const conversations = 12;
      const r = await runBin(replayArgs(server.url, '--repeats', String(conversations), '--concurrency', '4', '--out', disk, '--run-name', 'full'), {
        env: { ANTHROPIC_API_KEY: FAKE_KEY },
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).not.toMatch(STACK_LINE);
      const lines = plainLines(r.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^cannot write .+: no space left on device \(ENOSPC\); .*free space, then: driftbench run --resume /);
      const before = completed(await readTranscripts(dir));
      expect(before.size).toBeGreaterThan(0);
      expect(before.size).toBeLessThan(conversations * STEPS);
      expect(readdirSync(dir, { recursive: true }).filter((f) => /\.\d+$/.test(String(f)))).toEqual([]);

      // Room made: the tmpfs grows (remount), as a user frees space, and the resume finishes.
      execFileSync('mount', ['-o', 'remount,size=4m', disk]);
      const resumed = await runBin(['run', '--resume', dir, '--base-url', server.url], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
      expect(resumed.code, resumed.stderr).toBe(0);
      const done = await readTranscripts(dir);
      expect(done.every((t) => t.status === 'complete' && t.turns.length === STEPS)).toBe(true);
      for (const [key, content] of completed(done)) if (before.has(key)) expect(content).toBe(before.get(key));
    } finally {
      execFileSync('umount', [disk]);
      rmSync(disk, { recursive: true, force: true });
    }
  });
});
