// Rescoring throughput and peak memory: 10,000 transcripts scored with an LLM judge whose
// verdicts are all in the cache. Targets: >= 1,000 transcripts/s on 2 cores, <= 300 MB peak.
//   npm run build && node scripts/bench/score-cache.bench.mjs [--transcripts N] [--runs K]
import { mkdtemp, readdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, median, root, runCli, writeSection } from './lib.mjs';

const { values } = parseArgs({ options: { transcripts: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' } } });
const N = Number(values.transcripts);
const RUNS = Number(values.runs);
const { startLocalServer } = await import(join(root, 'dist', 'test', 'support', 'local-server', 'index.js'));

const work = await mkdtemp(join(tmpdir(), 'driftbench-bench-'));
try {
  // 1. A rehearsal run, then cloned to N transcripts. Each clone's last reply differs, so each
  //    needs judgements of its own and the cache holds thousands of entries, as a real one would.
  const seed = await runCli(['run', '--provider', 'rehearsal', '--effort', 'high', '--repeats', '1', '--out', work, '--run-name', 'bench']);
  if (seed.code !== 0) throw new Error(seed.stderr);
  const run = join(work, 'bench');
  const conv = join(run, 'conversations');
  const seeds = await Promise.all((await readdir(conv)).map(async (f) => JSON.parse(await readFile(join(conv, f), 'utf8'))));
  const manifest = JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8'));
  const planned = [];
  for (let i = 0; i < N; i++) {
    const t = structuredClone(seeds[i % seeds.length]);
    const repeat = Math.floor(i / seeds.length) + 1;
    t.conversation_id = `${t.scenario.id}__${t.cell.model.replace(':', '_')}__high__r${repeat}`;
    t.cell.repeat = repeat;
    const last = t.turns.at(-1).response.content.at(-1);
    last.text += `\n(variant ${i})`;
    planned.push({ id: t.conversation_id, scenario: t.scenario.id, model: t.cell.model, effort: 'high', repeat });
    await writeFile(join(conv, `${t.conversation_id}.json`), JSON.stringify(t, null, 2));
  }
  manifest.plan.conversations = planned;
  manifest.plan.repeats = Math.ceil(N / seeds.length);
  manifest.counts = { ...manifest.counts, conversations: N, complete: N };
  await writeFile(join(run, 'manifest.json'), JSON.stringify(manifest, null, 2));

  // 2. Fill the cache once through the local server.
  const server = await startLocalServer({ responder: () => ({ content: [{ type: 'text', text: '{"reasoning": "bench", "verdict": "NO"}' }] }) });
  const cache = join(work, 'cache');
  const args = ['score', run, '--judge', 'claude-sonnet-4-6', '--judge-base-url', server.url, '--cache-dir', cache, '--concurrency', '16'];
  const env = { ANTHROPIC_API_KEY: 'bench-key' };
  const fill = await runCli(args, { env });
  if (fill.code !== 0) throw new Error(fill.stderr);
  const calls = server.messageRequests().length;

  // 3. Score again, from the cache only, RUNS times.
  const timings = [];
  for (let r = 0; r < RUNS; r++) {
    server.reset();
    const res = await runCli(args, { env });
    if (res.code !== 0) throw new Error(res.stderr);
    if (server.requests.length !== 0) throw new Error(`cached rescoring made ${server.requests.length} requests`);
    timings.push(res);
  }
  await server.close();
  const ms = median(timings.map((t) => t.ms));
  const rate = N / (ms / 1000);
  const peak = median(timings.map((t) => t.peakMiB));
  const ok = (good) => (good ? 'met' : '**missed**');
  const body = `
Machine: ${machine()}. Run on ${new Date().toISOString().slice(0, 10)}.

${N.toLocaleString('en-US')} transcripts (${seeds.length} rehearsal transcripts cloned, each with its own final reply), scored with
an LLM judge (\`claude-sonnet-4-6\` on the local server) whose ${calls.toLocaleString('en-US')} verdicts were cached by a first pass.
Every figure is the median of ${RUNS} cached passes of the real CLI, start-up included; none of them made a request.

| figure | measured | target | |
| --- | --- | --- | --- |
| rescoring throughput from the cache | ${Math.round(rate).toLocaleString('en-US')} transcripts/s (${(ms / 1000).toFixed(2)} s for ${N.toLocaleString('en-US')}) | >= 1,000 transcripts/s | ${ok(rate >= 1000)} |
| peak memory (max RSS of the process) | ${peak.toFixed(0)} MB | <= 300 MB | ${ok(peak <= 300)} |
| first pass, filling the cache | ${(fill.ms / 1000).toFixed(1)} s, ${calls.toLocaleString('en-US')} judge calls | (not a target) | |

Reproduce: \`npm run build && node scripts/bench/score-cache.bench.mjs\` (options: \`--transcripts N\`, \`--runs K\`).
`;
  writeSection('score-cache', 'Rescoring from the judge cache', body);
  console.log(body);
} finally {
  if (process.env.DRIFTBENCH_BENCH_KEEP) console.log(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}
