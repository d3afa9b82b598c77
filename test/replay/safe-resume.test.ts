import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { echoResponder } from '../support/local-server/index.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { localServers } from '../helpers/local-servers.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir } from '../helpers/replay.js';

const servers = localServers();

/** A run of two conversations against `url`, with one transcript removed so that a resume has work to do. */
async function runWithOneLeft(url: string): Promise<string> {
  const out = await tempDir();
  const r = await runBin([...replayArgs(url, '--repeats', '2', '--out', out, '--run-name', 'r')], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
  expect(r.code).toBe(0);
  const dir = join(out, 'r');
  await rm(join(dir, 'conversations', 'minimal-lock-budget__claude-opus-4-7__high__r2.json'));
  return dir;
}

describe('run --resume sends the key only where the command line says (issue 17)', () => {
  it('refuses a base URL that only the manifest names: exit 2, the command to run, and nothing sent there', async () => {
    const recorded = await servers.start({ responder: echoResponder() });
    const elsewhere = await servers.start({ responder: echoResponder() });
    const dir = await runWithOneLeft(recorded.url);
    // Someone edits the run directory to point at their own endpoint.
    const file = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { plan: { base_url: string } };
    manifest.plan.base_url = elsewhere.url;
    await writeFile(file, JSON.stringify(manifest, null, 2));

    const r = await runBin(['run', '--resume', dir], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`the run was recorded against ${elsewhere.url}, not anthropic's default host`);
    expect(r.stderr).toContain(`repeat it: driftbench run --resume ${dir} --base-url ${elsewhere.url}`);
    // The edited endpoint received nothing at all: no request, so no key.
    expect(elsewhere.requests).toEqual([]);
    expect(recorded.requests.length).toBeGreaterThan(0);
  });

  it('resumes against a --base-url given on the command line, and sends only the turns left', async () => {
    const server = await servers.start({ responder: echoResponder() });
    const dir = await runWithOneLeft(server.url);
    const before = server.messageRequests().length;
    const refused = await runBin(['run', '--resume', dir], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(refused.code).toBe(2);
    expect(server.messageRequests().length).toBe(before);
    const r = await runBin(['run', '--resume', dir, '--base-url', server.url], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    expect(server.messageRequests().length - before).toBe(3);
    expect((await readTranscripts(dir)).map((t) => t.status)).toEqual(['complete', 'complete']);
  });
});
