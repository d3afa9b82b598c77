import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer } from '../support/local-server/index.js';
import { runBin } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, tempDir } from '../helpers/replay.js';
import { completed, crashAndResume, STEPS } from './harness.js';
import { faultSuite, lcg, STALLS } from './fault-suite.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('long stress variants (npm run test:stress)', () => {
  it.each([1, 2, 3])('SIGKILL at 10 random points (seed %i), resumed each time: nothing lost, nothing asked twice', async (seed) => {
    server = await startLocalServer({ responder: echoResponder(), latency: { ttftMs: 20, perTokenMs: 1 } });
    const out = await tempDir();
    const conversations = 20;
    const { before, wasted } = await crashAndResume(server, out, 10, conversations, 4, lcg(seed));
    for (const w of wasted) expect(w).toBeLessThanOrEqual(4);
    const sentBefore = server.messageRequests().length;
    expect((await runBin(['run', '--resume', join(out, 'crash'), '--base-url', server.url], { env: { ANTHROPIC_API_KEY: FAKE_KEY } })).code).toBe(0);
    expect(server.messageRequests().length - sentBefore).toBe(conversations * STEPS - before.size);
    const done = await readTranscripts(join(out, 'crash'));
    expect(done.every((t) => t.status === 'complete' && t.turns.length === STEPS)).toBe(true);
    for (const [key, content] of before) expect(completed(done).get(key)).toBe(content);
  });

  it('the fault suite at 200 conversations and 10% faults', async () => {
    await faultSuite(200, 0.1, 99);
  });

  it('the stall suite at 200 conversations and 5% stalls: nothing hangs', async () => {
    const { counts } = await faultSuite(200, 0.05, 101, STALLS);
    expect(counts.complete + counts.errored).toBe(200);
  });
});
