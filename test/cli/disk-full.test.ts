import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunManifest } from '../../engine/transcript/format.js';
import { echoResponder } from '../support/local-server/index.js';
import { fullDisk, runBin, STACK_LINE } from '../helpers/cli.js';
import { localServers } from '../helpers/local-servers.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir } from '../helpers/replay.js';

// A full disk, injected into the real binary (test/support/full-disk.ts): the first N writes
// succeed, every later one fails with ENOSPC.
const servers = localServers();

/** Every file under dir, recursively, relative to it. */
async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name).slice(dir.length + 1));
}

/** stderr's lines besides the run log's JSON records. */
const oneLine = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('{'));

describe('a full disk during run, score and report', () => {
  it('run: one line, exit 2, the manifest interrupted with the resume command; resume finishes the run', async () => {
    const server = await servers.start({ responder: echoResponder() });
    const out = await tempDir();
    const args = replayArgs(server.url, '--repeats', '3', '--concurrency', '2', '--out', out, '--run-name', 'full');
    // Transcripts fail after 2 of them; the manifest (small) still fits.
    const r = await runBin(args, { env: { ANTHROPIC_API_KEY: FAKE_KEY }, nodeArgs: fullDisk({ after: 2, matching: 'conversations' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK_LINE);
    const dir = join(out, 'full');
    expect(oneLine(r.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^cannot write ${dir}/conversations/.+\\.json: no space left on device \\(ENOSPC\\); the run is marked interrupted; free space, then: driftbench run --resume ${dir} --base-url ${server.url}$`,
        ),
      ),
    ]);
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as RunManifest;
    expect(m.status).toBe('interrupted');
    expect(m.status_reason).toMatch(/no space left on device \(ENOSPC\); free space, then: driftbench run --resume /);
    // No temp file is left behind, and every transcript on disk is whole (each validates).
    expect((await files(dir)).filter((f) => !/^(manifest\.json|scenarios\/.+\.yaml|conversations\/.+\.json)$/.test(f))).toEqual([]);
    await readTranscripts(dir);

    const resumed = await runBin(['run', '--resume', dir, '--base-url', server.url], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(resumed.code).toBe(0);
    const done = await readTranscripts(dir);
    expect(done.map((t) => t.status)).toEqual(['complete', 'complete', 'complete']);
  });

  it('run: when not even the manifest can be written, the message says so', async () => {
    const server = await servers.start({ responder: echoResponder() });
    const out = await tempDir();
    const r = await runBin(replayArgs(server.url, '--repeats', '2', '--out', out, '--run-name', 'full'), {
      env: { ANTHROPIC_API_KEY: FAKE_KEY },
      nodeArgs: fullDisk({ after: 4 }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(oneLine(r.stderr)).toEqual([
      expect.stringMatching(
        /^cannot write .+: no space left on device \(ENOSPC\); the manifest could not be updated either \(it still says running\); free space, then: driftbench run --resume /,
      ),
    ]);
    const resumed = await runBin(['run', '--resume', join(out, 'full'), '--base-url', server.url], { env: { ANTHROPIC_API_KEY: FAKE_KEY } });
    expect(resumed.code).toBe(0);
    expect((await readTranscripts(join(out, 'full'))).every((t) => t.status === 'complete')).toBe(true);
  });

  it('score and report: one line, exit 2, no file half-written, the earlier report left whole', async () => {
    const out = await tempDir();
    const run = await runBin(['run', 'test/fixtures/replay/three-steps.yaml', '--out', out, '--run-name', 'r']);
    expect(run.code).toBe(0);
    const dir = join(out, 'r');
    const score = await runBin(['score', dir, '--judge', 'heuristic'], { nodeArgs: fullDisk({ after: 0 }) });
    expect(score.code).toBe(2);
    expect(oneLine(score.stderr)).toEqual([
      `cannot write ${dir}/scores/heuristic.json: no space left on device (ENOSPC); free space (or fix the file system), then run the command again`,
    ]);
    expect((await files(dir)).filter((f) => f.startsWith('scores/'))).toEqual([]);

    expect((await runBin(['score', dir, '--judge', 'heuristic'])).code).toBe(0);
    await writeFile(join(dir, 'report.html'), 'the earlier report');
    const report = await runBin(['report', dir, '--format', 'html'], { nodeArgs: fullDisk({ after: 0 }) });
    expect(report.code).toBe(2);
    expect(report.stderr).not.toMatch(STACK_LINE);
    expect(oneLine(report.stderr)).toEqual([`cannot write ${dir}/report.html: no space left on device (ENOSPC); free space (or fix the file system), then run the command again`]);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toBe('the earlier report');
    expect((await files(dir)).filter((f) => f.startsWith('report.html'))).toEqual(['report.html']);
  });

  it('resume removes the temp files that writes cut short left behind', async () => {
    const out = await tempDir();
    expect((await runBin(['run', 'test/fixtures/replay/three-steps.yaml', '--out', out, '--run-name', 'r'])).code).toBe(0);
    const dir = join(out, 'r');
    const [first] = (await files(dir)).filter((f) => f.startsWith('conversations/'));
    const orphans = [`${first}.2840118131`, 'manifest.json.17', 'scenarios/minimal-lock-budget.yaml.99'];
    for (const o of orphans) await writeFile(join(dir, o), '{"half');
    const r = await runBin(['run', '--resume', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('removed 3 temp file(s) left by writes that never finished');
    expect((await files(dir)).filter((f) => /\.\d+$/.test(f))).toEqual([]);
  });
});

describe('a full disk during import', () => {
  /** A multichallenge questions file of `n` rows whose texts carry `tag`. */
  async function questions(cwd: string, n: number, tag: string): Promise<string> {
    const rows = Array.from({ length: n }, (_, i) => ({
      QUESTION_ID: `q-${i}`,
      AXIS: 'INFERENCE_MEMORY',
      CONVERSATION: [
        { role: 'user', content: `Question ${i} (${tag}): I am allergic to peanuts.` },
        { role: 'assistant', content: `Noted ${i}.` },
        { role: 'user', content: `Suggest a snack for question ${i}.` },
      ],
      TARGET_QUESTION: 'Does the response avoid peanuts?',
      PASS_CRITERIA: 'YES',
    }));
    const file = join(cwd, `${tag}.jsonl`);
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    return file;
  }
  const contents = async (dir: string) => new Map(await Promise.all((await files(dir)).map(async (f) => [f, await readFile(join(dir, f), 'utf8')] as const)));

  it('a re-import leaves every earlier scenario file whole, each the old version or the new; a first import leaves no file cut short', async () => {
    const cwd = await tempDir();
    expect((await runBin(['import', 'multichallenge', await questions(cwd, 4, 'old'), '--out', 'scen'], { cwd })).code).toBe(0);
    const old = await contents(join(cwd, 'scen'));
    expect(old.size).toBe(4);

    const again = await runBin(['import', 'multichallenge', await questions(cwd, 4, 'new'), '--out', 'scen'], { cwd, nodeArgs: fullDisk({ after: 1, matching: 'scen/' }) });
    expect(again.code).toBe(2);
    expect(again.stderr).not.toMatch(STACK_LINE);
    expect(oneLine(again.stderr)).toEqual([
      expect.stringMatching(/^cannot write .*scen\/.+\.yaml: no space left on device \(ENOSPC\); free space \(or fix the file system\), then run the command again$/),
    ]);
    const now = await contents(join(cwd, 'scen'));
    expect([...now.keys()]).toEqual([...old.keys()]); // no temp file left
    const changed = [...now].filter(([f, text]) => text !== old.get(f));
    expect(changed).toHaveLength(1);
    expect(changed[0]![1]).toContain('(new)');
    expect((await runBin(['validate', 'scen'], { cwd })).code).toBe(0);

    const first = await runBin(['import', 'multichallenge', await questions(cwd, 4, 'old'), '--out', 'fresh'], { cwd, nodeArgs: fullDisk({ after: 1, matching: 'fresh/' }) });
    expect(first.code).toBe(2);
    expect(first.stderr).not.toMatch(STACK_LINE);
    expect(await files(join(cwd, 'fresh'))).toHaveLength(1);
    expect((await runBin(['validate', 'fresh'], { cwd })).code).toBe(0);
  });
});
