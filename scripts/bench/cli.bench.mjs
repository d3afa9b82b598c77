// CLI start-up and scenario validation at scale.
//   npm run build && node scripts/bench/cli.bench.mjs [--runs K] [--slow-runs K]
// 1. `driftbench --help` wall time: target <= 500 ms.
// 2. `driftbench validate` on 100 scenario files: target <= 2 s.
// 3. `driftbench validate` on 1,000 scenario files: target <= 10 s, peak memory <= 300 MB.
// The files are copies of the shipped scenarios/*.yaml, each with its own `id:` and `task:`, so every
// one is valid and the cross-file checks (unique ids and task codes) have real work to do.
import { mkdtemp, mkdir, readdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, median, root, runCli, writeSection } from './lib.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'slow-runs': { type: 'string', default: '3' } } });
const RUNS = Number(values.runs);
const SLOW_RUNS = Number(values['slow-runs']);

const shippedDir = join(root, 'scenarios');
const shipped = await Promise.all(
  (await readdir(shippedDir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map(async (f) => ({ file: f, text: await readFile(join(shippedDir, f), 'utf8') })),
);
if (shipped.length === 0) throw new Error('no shipped scenarios found');

/** Writes n valid scenario files into dir: copy i of shipped scenario s gets id `<s>-c<i>`, task `<T>c<i>`. */
async function makeSuite(dir, n) {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const src = shipped[i % shipped.length];
    const tag = `c${String(i).padStart(4, '0')}`;
    let text = src.text;
    const idMatch = /^id:\s*(\S+)\s*$/m.exec(text);
    if (!idMatch) throw new Error(`${src.file}: no top-level id line`);
    const id = `${idMatch[1]}-${tag}`;
    if (id.length > 64) throw new Error(`${id}: longer than the 64 characters an id may have`);
    text = text.replace(/^id:.*$/m, `id: ${id}`);
    // Task codes must be unique too: give each copy its own, or none when the original had none.
    text = text.replace(/^task:\s*(\S+)\s*$/m, (_, t) => `task: ${t}${tag}`);
    await writeFile(join(dir, `${id}.yaml`), text);
  }
}

async function timed(args, expectCount, runs, expectText) {
  const out = [];
  for (let r = 0; r < runs; r++) {
    const res = await runCli(args);
    if (res.code !== 0) throw new Error(`driftbench ${args.join(' ')}: exit ${res.code}\n${res.stderr.slice(-2000)}${res.stdout.slice(-2000)}`);
    if (expectCount !== undefined && !res.stdout.includes(`${expectCount} scenario files valid`)) {
      throw new Error(`driftbench ${args.join(' ')}: expected "${expectCount} scenario files valid"\n${res.stdout.slice(-1000)}`);
    }
    if (expectText && !res.stdout.includes(expectText)) throw new Error(`driftbench ${args.join(' ')}: no "${expectText}" in its output`);
    out.push(res);
  }
  return { ms: median(out.map((o) => o.ms)), peak: median(out.map((o) => o.peakMiB)), all: out.map((o) => o.ms) };
}

const work = await mkdtemp(join(tmpdir(), 'driftbench-bench-'));
try {
  const d100 = join(work, 's100');
  const d1000 = join(work, 's1000');
  await makeSuite(d100, 100);
  await makeSuite(d1000, 1000);

  const help = await timed(['--help'], undefined, RUNS, 'Usage: driftbench');
  const v100 = await timed(['validate', d100], 100, RUNS);
  const v1000 = await timed(['validate', d1000], 1000, SLOW_RUNS);

  const ok = (good) => (good ? 'met' : '**missed**');
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const body = `
Machine: ${machine()}. Run on ${new Date().toISOString().slice(0, 10)}.

Every figure is the median of several runs of the real CLI in a child process (\`node dist/engine/bin/driftbench.js\`),
start-up included. The scenario files are copies of the ${shipped.length} shipped \`scenarios/*.yaml\`, each with its own
\`id\` and \`task\`, so all are valid; every validation run exited 0 and printed \`N scenario files valid\`.

| figure | measured | target | |
| --- | --- | --- | --- |
| start-up: \`driftbench --help\` (median of ${RUNS}) | ${Math.round(help.ms)} ms | <= 500 ms | ${ok(help.ms <= 500)} |
| \`driftbench validate\` on 100 scenario files (median of ${RUNS}) | ${s(v100.ms)} | <= 2 s | ${ok(v100.ms <= 2000)} |
| \`driftbench validate\` on 1,000 scenario files (median of ${SLOW_RUNS}) | ${s(v1000.ms)} | <= 10 s | ${ok(v1000.ms <= 10000)} |
| peak memory validating 1,000 files (max RSS of the process) | ${v1000.peak.toFixed(0)} MB | <= 300 MB | ${ok(v1000.peak <= 300)} |
| peak memory of \`--help\` (max RSS) | ${help.peak.toFixed(0)} MB | (not a target) | |

Reproduce: \`npm run build && node scripts/bench/cli.bench.mjs\` (options: \`--runs K\` for the fast figures, \`--slow-runs K\` for 1,000 files).
`;
  writeSection('cli', 'CLI start-up and scenario validation', body);
  console.log(body);
} finally {
  if (process.env.DRIFTBENCH_BENCH_KEEP) console.log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
