// HTML report generation for a run of about 1,000 transcripts.
//   npm run build && node scripts/bench/report-html.bench.mjs [--repeats R] [--runs K]
// A rehearsal run over the shipped scenarios (8 scenarios x 2 rehearsal models x 63 repeats = 1,008
// conversations at effort high), scored with the heuristic judge, then `report --format html`.
// Targets: <= 20 s wall time, a file of at most 50 MB, peak memory <= 500 MB.
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, median, runCli, writeSection } from './lib.mjs';

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '63' }, runs: { type: 'string', default: '3' } } });
const REPEATS = Number(values.repeats);
const RUNS = Number(values.runs);

const count = (text, needle) => text.split(needle).length - 1;

const work = await mkdtemp(join(tmpdir(), 'driftbench-bench-'));
try {
  // 1. The run and its scores (set-up, timed only for the record).
  const runRes = await runCli(['run', '--provider', 'rehearsal', '--effort', 'high', '--repeats', String(REPEATS), '--out', work, '--run-name', 'bench']);
  if (runRes.code !== 0) throw new Error(`run: exit ${runRes.code}\n${runRes.stderr.slice(-2000)}`);
  const run = join(work, 'bench');
  const conversations = (await readdir(join(run, 'conversations'))).filter((f) => f.endsWith('.json')).length;
  const manifest = JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8'));
  const scoreRes = await runCli(['score', run, '--judge', 'heuristic']);
  if (scoreRes.code !== 0) throw new Error(`score: exit ${scoreRes.code}\n${scoreRes.stderr.slice(-2000)}`);

  // 2. The report, RUNS times, each to a fresh file.
  const timings = [];
  let size = 0;
  let page = '';
  for (let r = 0; r < RUNS; r++) {
    const out = join(work, `report-${r}.html`);
    const res = await runCli(['report', run, '--format', 'html', '--out', out]);
    if (res.code !== 0) throw new Error(`report: exit ${res.code}\n${res.stderr.slice(-2000)}`);
    timings.push(res);
    size = (await stat(out)).size;
    if (r === RUNS - 1) page = await readFile(out, 'utf8');
    else await rm(out);
  }
  const ms = median(timings.map((t) => t.ms));
  const peak = median(timings.map((t) => t.peakMiB));
  const mb = size / 2 ** 20;

  // 3. What the page holds, counted in the page itself.
  const held = {
    transcripts: count(page, '<details class="transcript"'),
    diffs: count(page, '<details class="diff"'),
    plots: count(page, '<svg class="plot"'),
    scripts: count(page.toLowerCase(), '<script'),
  };
  if (held.transcripts !== conversations) throw new Error(`the page holds ${held.transcripts} transcripts, the run ${conversations}`);

  const ok = (good) => (good ? 'met' : '**missed**');
  const body = `
Machine: ${machine()}. Run on ${new Date().toISOString().slice(0, 10)}.

A rehearsal run over the shipped scenarios at effort high, ${manifest.plan?.scenarios?.length ?? 8} scenarios x 2 rehearsal models x ${REPEATS} repeats =
${conversations.toLocaleString('en-US')} conversations, scored with \`--judge heuristic\`, then
\`driftbench report <run> --format html --out <file>\`. Every figure is the median of ${RUNS} runs of the real CLI, start-up included.

| figure | measured | target | |
| --- | --- | --- | --- |
| HTML report of ${conversations.toLocaleString('en-US')} transcripts, wall time | ${(ms / 1000).toFixed(2)} s | <= 20 s | ${ok(ms <= 20000)} |
| size of the HTML file | ${mb.toFixed(1)} MB | <= 50 MB | ${ok(mb <= 50)} |
| peak memory (max RSS of the process) | ${peak.toFixed(0)} MB | <= 500 MB | ${ok(peak <= 500)} |
| set-up: the rehearsal run / scoring it | ${(runRes.ms / 1000).toFixed(1)} s / ${(scoreRes.ms / 1000).toFixed(1)} s | (not a target) | |

The page is one self-contained file (${held.scripts} \`<script>\` tags; a Content-Security-Policy forbids any): the summary tables,
${held.plots} inline SVG plots, ${held.diffs.toLocaleString('en-US')} side-by-side diffs (one per comparison and scenario, first repeat), and all
${held.transcripts.toLocaleString('en-US')} transcripts turn by turn, each collapsed in a \`<details>\` with thinking collapsible.

Reproduce: \`npm run build && node scripts/bench/report-html.bench.mjs\` (options: \`--repeats R\`, \`--runs K\`).
`;
  writeSection('report-html', 'HTML report for about 1,000 transcripts', body);
  console.log(body);
} finally {
  if (process.env.DRIFTBENCH_BENCH_KEEP) console.log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
