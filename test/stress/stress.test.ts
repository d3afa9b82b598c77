import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer, type RecordedRequest, type Scripted } from '../support/local-server/index.js';
import type { RunManifest } from '../../engine/transcript/format.js';
import { binPath, repoRoot, runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir, THREE_STEPS } from '../helpers/replay.js';
import { completed, crashAndResume, STEPS } from './harness.js';
import { faultSuite, lcg, STALLS } from './fault-suite.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the fault suite', () => {
  it('50 conversations with 10% of requests faulted: each completes or is marked errored with its cause', async () => {
    const { injected } = await faultSuite(50, 0.1, 7);
    expect(injected.size).toBeGreaterThanOrEqual(4);
  });

  it('stalls only, 30 conversations with a quarter of requests stalled: nothing hangs; each completes or is errored with its timeout', async () => {
    // Before the timeouts, one stall held its slot for good and the run never ended (issue 17).
    const { injected, counts, reasons } = await faultSuite(30, 0.25, 5, STALLS);
    expect([...injected.keys()].sort()).toEqual(['no-headers', 'pings-only', 'stall', 'trickle']);
    expect(counts.complete + counts.errored).toBe(30);
    for (const reason of reasons) expect(reason).toMatch(/: timeout_error: (no data for 0\.3 s|no response headers within 0\.3 s)/);
  });
});

describe('crash and resume', () => {
  it('SIGKILL at 4 random points, resumed each time: nothing lost, nothing asked twice, transcripts whole', async () => {
    server = await startLocalServer({ responder: echoResponder(), latency: { ttftMs: 20, perTokenMs: 1 } });
    const out = await tempDir();
    const conversations = 8;
    const { before, wasted } = await crashAndResume(server, out, 4, conversations, 3, lcg(11));
    // A killed run loses at most the turns in flight; a resume asks again for nothing else.
    for (const w of wasted) expect(w).toBeLessThanOrEqual(3);
    const sentBefore = server.messageRequests().length;
    const r = await runBin(['run', '--resume', join(out, 'crash'), '--base-url', server.url], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(r.code).toBe(0);
    expect(server.messageRequests().length - sentBefore).toBe(conversations * STEPS - before.size);
    const done = await readTranscripts(join(out, 'crash')); // each validates against the schema
    expect(done.every((t) => t.status === 'complete' && t.turns.length === STEPS)).toBe(true);
    const after = completed(done);
    for (const [key, content] of before) expect(after.get(key)).toBe(content);
  });

  it('Ctrl-C finishes the turns in flight, writes the manifest and says how to resume', async () => {
    server = await startLocalServer({ responder: echoResponder(), latency: { ttftMs: 150, perTokenMs: 2 } });
    const out = await tempDir();
    const child = spawn(process.execPath, [binPath, ...replayArgs(server.url, '--repeats', '6', '--concurrency', '3', '--out', out, '--run-name', 'int')], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, ANTHROPIC_API_KEY: FAKE_KEY, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const early = code.then((c) => Promise.reject(new Error(`the run exited (${String(c)}) before its fourth request`)));
    await Promise.race([server.waitForRequests(4, (r) => r.path === '/v1/messages'), early]);
    const inFlightAtSignal = server.messageRequests().length;
    child.kill('SIGINT');
    expect(await code).toBe(2);
    expect(stderr).toContain('Interrupted: finishing the turns in flight and writing the manifest');
    expect(stdout).toContain('run int: interrupted');
    expect(stdout).toContain(`resume with: driftbench run --resume ${join(out, 'int')} --base-url ${server.url}`);
    const manifest = JSON.parse(await readFile(join(out, 'int', 'manifest.json'), 'utf8')) as RunManifest;
    expect(manifest).toMatchObject({ status: 'interrupted', status_reason: 'interrupted by the user (SIGINT)' });
    // Every request sent before or during the signal produced a turn on disk: none was abandoned.
    const ts = await readTranscripts(join(out, 'int'));
    const turns = ts.reduce((n, t) => n + t.turns.filter((x) => x.response !== null).length, 0);
    expect(turns).toBe(server.messageRequests().length);
    expect(turns).toBeGreaterThanOrEqual(inFlightAtSignal);
    expect(ts.every((t) => t.status === 'stopped' || t.status === 'complete')).toBe(true);
    const resumed = await runBin(['run', '--resume', join(out, 'int'), '--base-url', server.url], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(resumed.code).toBe(0);
    expect(server.messageRequests()).toHaveLength(6 * STEPS);
  });
});

describe('secrets', () => {
  it('the API key never reaches a transcript, score, report, cache, log line or error message', async () => {
    const judge = (req: RecordedRequest): Scripted => ({
      content: [{ type: 'text', text: JSON.stringify({ reasoning: 'ok', verdict: JSON.stringify(req.body).length % 2 ? 'YES' : 'NO' }) }],
    });
    const echo = echoResponder();
    server = await startLocalServer({ responder: (req) => (JSON.stringify(req.body).includes('strict evaluator') ? judge(req) : echo(req)) });
    const out = await tempDir();
    const cache = await tempDir();
    const env = { ANTHROPIC_API_KEY: FAKE_KEY };
    const outputs: string[] = [];
    const step = async (args: string[]) => {
      const r = await runBin(['--log-level', 'trace', '--log-format', 'json', ...args], { env });
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    await step(replayArgs(server.url, '--repeats', '2', '--out', out, '--run-name', 's'));
    const run = join(out, 's');
    await step(['score', run, '--judge', 'claude-sonnet-4-6', '--judge-base-url', server.url, '--cache-dir', cache]);
    for (const f of ['table', 'markdown', 'csv', 'json']) await step(['report', run, '--format', f]);
    await step(['report', run, '--format', 'html', '--out', join(out, 'r.html')]);
    const files = (await readdir(join(run, 'conversations'))).map((f) => join(run, 'conversations', f));
    await step(['diff', files[0]!, files[1]!]);
    // Error paths: an endpoint that is not there, and one that refuses the key.
    await step(['run', THREE_STEPS, '--base-url', 'http://127.0.0.1:9', '--max-retries', '0', '--repeats', '1', '--out', out, '--run-name', 'down']);
    const all = [...outputs];
    for (const dir of [out, cache]) {
      for (const entry of await readdir(dir, { recursive: true })) {
        const p = join(dir, String(entry));
        if ((await stat(p)).isFile()) all.push(await readFile(p, 'utf8'));
      }
    }
    expect(all.length).toBeGreaterThan(20);
    for (const text of all) expect(text).not.toContain(FAKE_KEY);
    // The key did go where it belongs: to the server.
    expect(JSON.stringify(server.messageRequests()[0]!.headers)).toContain(FAKE_KEY);
  });
});

describe('paths', () => {
  it('run names and model names never write outside the run directory', async () => {
    const parent = await tempDir();
    const out = join(parent, 'out');
    const before = await readdir(parent);
    // No Models API, so an unknown (and odd) model name is sent as given rather than refused.
    server = await startLocalServer({ responder: echoResponder(), modelsApi: false });
    const r = await runBin(replayArgs(server.url, '--models', '../../../escape:/etc/passwd', '--repeats', '1', '--out', out, '--run-name', '../../escape'), {
      env: { ANTHROPIC_API_KEY: FAKE_KEY },
    });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(await readdir(parent)).toEqual([...before, 'out'].sort());
    const runs = await readdir(out);
    expect(runs).toEqual(['escape']);
    const files = await readdir(join(out, 'escape', 'conversations'));
    expect(files).toEqual(['minimal-lock-budget__escape_etc_passwd__high__r1.json']);
    for (const f of files) expect(resolve(out, 'escape', 'conversations', f).startsWith(resolve(out))).toBe(true);
    // The odd model is sent and recorded as given; only its file name is made safe.
    const [t] = await readTranscripts(join(out, 'escape'));
    expect(t!.cell.model).toBe('../../../escape:/etc/passwd');
    expect((server.messageRequests()[0]!.body as { model: string }).model).toBe('../../../escape:/etc/passwd');
  });
});
