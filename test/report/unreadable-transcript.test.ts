import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { tempDir, THREE_STEPS } from '../helpers/replay.js';

/** An offline run of the three-step scenario (six conversations), scored by the heuristic judge. */
async function scoredRun(): Promise<{ dir: string; files: string[] }> {
  const out = await tempDir();
  expect((await runBin(['run', THREE_STEPS, '--out', out, '--run-name', 'r'])).code).toBe(0);
  const dir = join(out, 'r');
  expect((await runBin(['score', dir, '--judge', 'heuristic'])).code).toBe(0);
  const files = (await readdir(join(dir, 'conversations'))).sort().map((f) => join(dir, 'conversations', f));
  return { dir, files };
}

describe('a transcript that cannot be read', () => {
  it('report skips it with a warning, as score does, and reports the rest', async () => {
    const { dir, files } = await scoredRun();
    const bad = files[0]!;
    const text = await readFile(bad, 'utf8');
    await writeFile(bad, text.slice(0, text.length / 2));
    const r = await runBin(['report', dir, '--format', 'json']);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { warnings: string[]; runs: Array<{ scored?: number }> };
    expect(report.warnings).toContainEqual(expect.stringMatching(new RegExp(`^skipped ${bad}: not valid JSON \\(truncated or edited\\?\\).*; it is left out of this report$`)));
    // The HTML page, which shows every transcript, skips it too.
    const html = await runBin(['report', dir, '--format', 'html']);
    expect(html.code).toBe(0);
  });

  it('invalid UTF-8 is refused with a clear reason, not decoded to U+FFFD', async () => {
    const { dir, files } = await scoredRun();
    const bad = files.at(-1)!;
    const bytes = await readFile(bad);
    // A stray byte inside a prompt's text: valid JSON, and valid against the schema, once decoded
    // leniently (as U+FFFD), which is how it was accepted silently.
    const at = bytes.indexOf(Buffer.from('"user": "')) + '"user": "'.length;
    const damaged = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at)]);
    await writeFile(bad, damaged);
    const score = await runBin(['score', dir, '--judge', 'heuristic']);
    expect(score.stderr + score.stdout).not.toMatch(STACK_LINE);
    const scores = JSON.parse(await readFile(join(dir, 'scores', 'heuristic.json'), 'utf8')) as { skipped: Array<{ file: string; reason: string }> };
    expect(scores.skipped).toEqual([{ file: bad, reason: 'not valid UTF-8 text (damaged or edited?); restore it, or delete it and resume the run to replay the conversation' }]);
  });
});
