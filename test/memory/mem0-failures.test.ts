import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer } from '../support/local-server/index.js';
import { mem0UserOf, startMem0Fake, type Mem0Fake, type Mem0FakeRequest } from '../helpers/mem0-fake.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir } from '../helpers/replay.js';
import type { RunManifest } from '../../engine/transcript/format.js';

/**
 * Issue 17, defect 7: one Mem0 error stopped the whole run (exit 2, the manifest left `running`,
 * no conversation errored), and the Mem0 client printed to the console. Now a Mem0 failure
 * errors its conversation, with the cause, and the run goes on.
 */
const MEM0_KEY = 'm0-live-key-NEVER-PRINT-5c81d2e4';

let server: LocalServer | undefined;
let mem0: Mem0Fake | undefined;
afterEach(async () => {
  expect(server?.unexpected() ?? []).toEqual([]);
  expect(mem0?.unexpected() ?? []).toEqual([]);
  await server?.close();
  await mem0?.close();
  server = undefined;
  mem0 = undefined;
});

/** Every file under a directory, as text. */
async function allText(dir: string): Promise<string> {
  const names = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
  return (await Promise.all(names.map((d) => readFile(join(d.parentPath, d.name), 'utf8')))).join('\n');
}

const endpoint = (r: Mem0FakeRequest) => `${r.method} ${new URL(r.path, 'http://x').pathname}`;

describe('a Mem0 failure errors its conversation, and the run goes on', () => {
  it('a 500 echoing the key for one conversation and garbage for another: both errored with the cause, the third complete, nothing leaked or printed', async () => {
    server = await startLocalServer({ responder: echoResponder() });
    mem0 = await startMem0Fake({
      fault: (req) => {
        // The client's start-up ping fails too, echoing the key: the client logs that by itself.
        if (endpoint(req) === 'GET /v1/ping/') return { status: 500, text: JSON.stringify({ detail: `ping refused for ${req.headers['authorization']}` }) };
        const user = mem0UserOf(req) ?? '';
        if (user.endsWith('__r1') && endpoint(req) === 'POST /v3/memories/search/')
          return { status: 500, text: JSON.stringify({ error: `internal error for token ${req.headers['authorization']}` }) };
        if (user.endsWith('__r2') && endpoint(req) === 'POST /v3/memories/add/') return { status: 200, text: '<html>502 Bad Gateway</html>', contentType: 'text/html' };
        return undefined;
      },
    });
    const out = await tempDir();
    const r = await runBin(replayArgs(server.url, '--condition', 'mem0', '--repeats', '3', '--concurrency', '1', '--out', out, '--run-name', 'm'), {
      env: { ANTHROPIC_API_KEY: FAKE_KEY, MEM0_API_KEY: MEM0_KEY, MEM0_HOST: mem0.url },
    });
    expect(r.stderr).not.toMatch(STACK_LINE);
    // The run went to its end: errored conversations make it partial, exit 2 with the resume
    // command, as for any turn that failed (before: exit 2 from the first Mem0 error, mid-run).
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('run m: partial (2 errored)');

    const manifest = JSON.parse(await readFile(join(out, 'm', 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.status).toBe('partial');
    expect(manifest.counts).toMatchObject({ conversations: 3, complete: 1, errored: 2, pending: 0 });

    const byRepeat = new Map((await readTranscripts(join(out, 'm'))).map((t) => [t.cell.repeat, t]));
    const r1 = byRepeat.get(1)!;
    // Step 1 recalls nothing yet, but asks: the search failed before the first request was sent.
    expect(r1.status).toBe('errored');
    expect(r1.status_reason).toMatch(/^step 1: the mem0 memory layer failed: Mem0 search failed for driftbench-m-.*__r1 \(step 1\): .*internal error for token Token \[redacted\]/);
    expect(r1.turns).toHaveLength(0);
    const r2 = byRepeat.get(2)!;
    // Step 1 was answered and kept; Mem0 could not take it.
    expect(r2.status).toBe('errored');
    expect(r2.status_reason).toMatch(/^step 1: the mem0 memory layer failed: Mem0 add failed for driftbench-m-.*__r2 \(step 1\): /);
    expect(r2.turns.map((t) => t.response !== null)).toEqual([true]);
    expect(byRepeat.get(3)!.status).toBe('complete');
    // Only r3 went on past step 1: r1 sent nothing, r2 one request.
    expect(server.messageRequests()).toHaveLength(1 + 3);

    // The run's summary is all that stdout carries; the client's own lines went nowhere.
    expect(r.stdout).toContain('1 complete, 0 refused, 0 hit max_tokens, 2 errored');
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain('Failed to initialize client');
      expect(text).not.toContain('telemetry');
    }
    // The key the Mem0 errors echoed is nowhere: not in the output, not in the run directory.
    for (const text of [r.stdout, r.stderr, await allText(join(out, 'm'))]) {
      expect(text).not.toContain(MEM0_KEY);
      expect(text).not.toContain(MEM0_KEY.slice(0, 16));
    }
  });

  it('a resumed run carries on with the errored conversations once Mem0 answers again', async () => {
    server = await startLocalServer({ responder: echoResponder() });
    let broken = true;
    mem0 = await startMem0Fake({ fault: (req) => (broken && endpoint(req) === 'POST /v3/memories/search/' ? { status: 503, text: '{"detail": "down"}' } : undefined) });
    const out = await tempDir();
    const env = { ANTHROPIC_API_KEY: FAKE_KEY, MEM0_API_KEY: MEM0_KEY, MEM0_HOST: mem0.url };
    const first = await runBin(replayArgs(server.url, '--condition', 'mem0', '--repeats', '1', '--out', out, '--run-name', 'm'), { env });
    expect(first.code).toBe(2);
    expect((await readTranscripts(join(out, 'm')))[0]!.status).toBe('errored');
    broken = false;
    const again = await runBin(['run', '--resume', join(out, 'm'), '--base-url', server.url], { env });
    expect(again.stderr).not.toMatch(STACK_LINE);
    expect(again.code).toBe(0);
    const [t] = await readTranscripts(join(out, 'm'));
    expect(t!.status).toBe('complete');
    expect(t!.turns).toHaveLength(3);
  });

  it('refuses the mem0 condition without MEM0_API_KEY before anything is written or sent', async () => {
    server = await startLocalServer({ responder: echoResponder() });
    const out = await tempDir();
    const r = await runBin(replayArgs(server.url, '--condition', 'mem0', '--repeats', '1', '--out', out, '--run-name', 'm'), { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MEM0_API_KEY is not set');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(server.messageRequests()).toHaveLength(0);
    expect(await readdir(out)).toEqual([]);
  });
});
