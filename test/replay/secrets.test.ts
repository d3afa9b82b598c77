import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer, type RecordedRequest } from '../support/local-server/index.js';
import { runBin, STACK_LINE, type BinResult } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir } from '../helpers/replay.js';
import type { Scores } from '../../engine/schemas/scores.generated.js';

/**
 * Issue 17, defect 6: an error body that echoed the key landed in transcripts (attempts[].message,
 * error.message, status_reason), scores, logs and the HTML report. Every string a server sends is
 * now scrubbed at the provider's edge (engine/secrets.ts); this follows one echoed key through
 * every command and every file they write.
 */
const FRAGMENTS = [FAKE_KEY, FAKE_KEY.slice(0, 16), FAKE_KEY.slice(-16)];

let servers: LocalServer[] = [];
afterEach(async () => {
  for (const s of servers) expect(s.unexpected()).toEqual([]);
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** Every file under a directory, as text. */
async function allText(dir: string): Promise<string> {
  const names = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile());
  return (await Promise.all(names.map((d) => readFile(join(d.parentPath, d.name), 'utf8')))).join('\n');
}

function expectNoKey(where: string, text: string): void {
  for (const f of FRAGMENTS) expect(text.includes(f), `${where} holds ${f}`).toBe(false);
}

const expectRan = (r: BinResult) => expect(r.stderr).not.toMatch(STACK_LINE);

describe('a key echoed by a server is stored, logged and rendered nowhere', () => {
  it('run, score with an LLM judge, and report in every format: transcripts, scores, logs, stderr and the HTML page are clean', async () => {
    const echo = echoResponder();
    let echoes = 0;
    // The first conversation's step 2 (the first request with history) is answered with the echo
    // twice: its first attempt and its one retry. Everything else is answered.
    const run = await startLocalServer({
      responder: (req: RecordedRequest) => ((req.body as { messages: unknown[] }).messages.length >= 3 && echoes++ < 2 ? { fault: 'echo-key' } : echo(req)),
    });
    // The judge's first call gets a 401 that echoes the key (not retried): that vote is unscored, with the error.
    let judged = 0;
    const judge = await startLocalServer({
      responder: () => (judged++ === 0 ? { fault: 'echo-key', status: 401 } : { content: [{ type: 'text', text: '{"reasoning": "fine", "verdict": "NO"}' }] }),
    });
    servers = [run, judge];
    const out = await tempDir();
    const cache = await tempDir();
    const env = { ANTHROPIC_API_KEY: FAKE_KEY, DRIFTBENCH_RETRY_BASE_MS: '1' };

    const ran = await runBin(
      replayArgs(run.url, '--repeats', '2', '--concurrency', '1', '--max-retries', '1', '--log-format', 'json', '--log-level', 'debug', '--out', out, '--run-name', 'k'),
      { env },
    );
    expectRan(ran);
    const dir = join(out, 'k');
    const transcripts = await readTranscripts(dir);
    const failed = transcripts.find((t) => t.status === 'errored')!;
    // What the server said is still there, with the key taken out.
    expect(failed.status_reason).toBe('step 2 failed after 2 attempt(s): api_error (HTTP 500): invalid credentials "[redacted]" (key starts [redacted]..., ends ...[redacted])');
    expect(failed.turns.at(-1)!.error!.message).toContain('invalid credentials "[redacted]"');
    expect(failed.turns.at(-1)!.attempts.map((a) => a.message)).toEqual([expect.stringContaining('"[redacted]"'), expect.stringContaining('"[redacted]"')]);
    expect(ran.stderr).toContain('attempt failed: invalid credentials \\"[redacted]\\"');
    expect(transcripts.filter((t) => t.status === 'complete')).toHaveLength(1);

    const scored = await runBin(['score', dir, '--judge', 'claude-opus-4-7', '--judge-base-url', judge.url, '--cache-dir', cache, '--no-coherence', '--log-level', 'debug'], {
      env,
    });
    expectRan(scored);
    expect(scored.code).toBe(0);
    const scores = JSON.parse(await readFile(join(dir, 'scores', 'claude-opus-4-7.json'), 'utf8')) as Scores;
    const errors = scores.conversations.flatMap((c) => c.mem_fail.judged.votes.map((v) => v.error)).filter((e) => e !== undefined);
    expect(errors).toEqual([expect.stringMatching(/^api_error \(HTTP 401\): invalid credentials "\[redacted\]"/)]);

    const table = await runBin(['report', dir], { env });
    const json = await runBin(['report', dir, '--format', 'json'], { env });
    const markdown = await runBin(['report', dir, '--format', 'markdown'], { env });
    const html = await runBin(['report', dir, '--format', 'html', '--out', join(out, 'report.html')], { env });
    for (const r of [table, json, markdown, html]) expectRan(r);
    expect(html.code).toBe(0);

    for (const [where, r] of Object.entries({ ran, scored, table, json, markdown, html })) {
      expectNoKey(`${where} stdout`, r.stdout);
      expectNoKey(`${where} stderr`, r.stderr);
    }
    expectNoKey('the run directory', await allText(dir));
    expectNoKey('the HTML report', await readFile(join(out, 'report.html'), 'utf8'));
    expectNoKey('the judge cache', await allText(cache));
    // The key did go out, where it belongs: in the request headers.
    expect(Object.values(run.messageRequests()[0]!.headers)).toContainEqual(expect.stringContaining(FAKE_KEY));
  });

  it('--batch: an errored batch item whose message echoes the key is kept scrubbed', async () => {
    const echo = echoResponder();
    let n = 0;
    const server = await startLocalServer({
      batchLatencyMs: 5,
      responder: (req) => (n++ === 0 ? { batch: 'errored', errorType: 'api_error', message: `key ${FAKE_KEY} refused` } : echo(req)),
    });
    servers = [server];
    const out = await tempDir();
    const r = await runBin(replayArgs(server.url, '--repeats', '1', '--batch', '--out', out, '--run-name', 'b'), {
      env: { ANTHROPIC_API_KEY: FAKE_KEY, DRIFTBENCH_BATCH_POLL_MS: '5' },
    });
    expectRan(r);
    expect(r.code).toBe(0);
    const [t] = await readTranscripts(join(out, 'b'));
    expect(t!.status).toBe('complete');
    expect(
      t!.turns[0]!.attempts.map((a) => a.message),
      JSON.stringify(t!.turns[0]!.attempts),
    ).toContain('api_error: key [redacted] refused');
    expectNoKey('stdout', r.stdout);
    expectNoKey('stderr', r.stderr);
    expectNoKey('the run directory', await allText(join(out, 'b')));
  });
});
