import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer } from '../support/local-server/index.js';
import type { RunManifest } from '../../engine/transcript/format.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir } from '../helpers/replay.js';
import { completed, STEPS } from './harness.js';
import { lcg } from './fault-suite.js';

// A disk that fills up during a run, injected (DRIFTBENCH_FAIL_WRITES_AFTER, atomic-write.ts):
// at random points, with only transcripts failing (room left for the manifest) and with every
// write failing. Each time the run must end by itself, exit 2 with one line that names the
// resume command, leave every transcript whole, and lose no turn already written; the resume
// then finishes the run.
let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('a full disk during a run', () => {
  it('at 6 random points: the run stops by itself, marked interrupted when the manifest fits, and resumes to the end', async () => {
    server = await startLocalServer({ responder: echoResponder(), latency: { ttftMs: 5, perTokenMs: 1 } });
    const random = lcg(23);
    const conversations = 12;
    for (let k = 0; k < 6; k++) {
      const out = await tempDir();
      const dir = join(out, 'full');
      const after = 1 + Math.floor(random() * conversations * STEPS);
      const manifestFits = k % 2 === 0;
      const env = {
        ANTHROPIC_API_KEY: FAKE_KEY,
        DRIFTBENCH_FAIL_WRITES_AFTER: String(after),
        ...(manifestFits ? { DRIFTBENCH_FAIL_WRITES_MATCHING: 'conversations' } : {}),
      };
      const sentBefore = server.messageRequests().length;
      const r = await runBin(replayArgs(server.url, '--repeats', String(conversations), '--concurrency', '4', '--out', out, '--run-name', 'full'), { env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).not.toMatch(STACK_LINE);
      const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/: no space left on device \(ENOSPC\); .*free space, then: driftbench run --resume /);
      const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
      if (manifestFits) expect(m).toMatchObject({ status: 'interrupted', status_reason: expect.stringContaining(`driftbench run --resume ${dir}`) });
      else expect(lines[0]).toContain('the manifest could not be updated either');
      // Whole transcripts only (each validates), and no temp file left behind.
      const before = completed(await readTranscripts(dir));
      expect((await readdir(dir, { recursive: true })).filter((f) => /\.\d+$/.test(String(f)))).toEqual([]);
      const sentFirst = server.messageRequests().length - sentBefore;

      const resumed = await runBin(['run', '--resume', dir], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
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
});
