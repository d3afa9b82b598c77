// Replay measured where users are (issue 12), and throughput under a rate limit, on the local server.
//   npm run build && node scripts/bench/replay-scale.bench.mjs [--runs K] [--cpu-prof DIR]
// 1. C=1,000 conversations of S=5 steps, K=250 at a time, L=1 s per turn (request to last byte):
//    ideal = ceil(C/K) x S x L = 20 s. Targets, for the whole `driftbench run` process, start-up
//    included: wall time <= 1.10 x ideal; engine CPU (the CLI process's user + system, all its
//    threads) <= 3 ms per turn; peak memory (max RSS) < 400 MB.
// 2. The T1 plan (C=200, K=20) against a server that allows 1,200 requests a minute (20/s),
//    latency 50 ms: target >= 90% of the limit, with no failed conversation.
// The server runs in a process of its own (replay-server.mjs) and the CLI under GNU time
// (lib.mjs runCliTimed), so the CLI's CPU and memory are the kernel's figures for it alone.
// --cpu-prof DIR: one more run of (1), not counted, with the CLI under node --cpu-prof; prints
// the functions with the most self time (profile-top.mjs).
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, median, runCliTimed, waitForQuiet, writeSection } from './lib.mjs';
import { topSelfTime } from './profile-top.mjs';
import { replayAgainstServer, writeSuite } from './replay-lib.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'cpu-prof': { type: 'string' } } });
const RUNS = Number(values.runs);
const C = 1000,
  K = 250,
  S = 5,
  L = 1000;
const SCENARIOS = 10; // 10 generated scenarios x 100 repeats x 1 model x 1 effort = 1,000 conversations
const MODEL = 'claude-opus-4-7';
// Each reply: 26 paced deltas, the first 500 ms after the request arrives, then one every 20 ms,
// so the last byte leaves the server L = 500 + 25 x 20 = 1,000 ms after the request arrived.
const TOKENS = 26,
  PER_TOKEN_MS = 20,
  TTFT_MS = L - (TOKENS - 1) * PER_TOKEN_MS;
const ideal = Math.ceil(C / K) * S * L;
const turns = C * S;
const work = await mkdtemp(join(tmpdir(), 'driftbench-bench-'));
const replay = (o) => replayAgainstServer({ work, ...o });

/** Each turn's latency, and the time from one turn's reply to the next request, over a run's transcripts. */
async function turnTimes(name) {
  const dir = join(work, name, 'conversations');
  const latency = [];
  const gaps = [];
  for (const f of await readdir(dir)) {
    const t = JSON.parse(await readFile(join(dir, f), 'utf8'));
    t.turns.forEach((x, i) => {
      latency.push(x.timing.latency_ms);
      const prev = t.turns[i - 1];
      if (prev) gaps.push(Date.parse(x.timing.started_at) - Date.parse(prev.timing.started_at) - prev.timing.latency_ms);
    });
  }
  const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
  return { latency: median(latency), gap: median(gaps), gap90: pct(gaps, 0.9), gapMax: pct(gaps, 1) };
}

const fmtSched = (x) => (x ? `${(x.main.waitMs / 1000).toFixed(2)} s waiting for ${(x.main.runMs / 1000).toFixed(1)} s running` : 'n/a');
const failedOf = (m) => m.counts.errored + m.counts.stopped + m.counts.pending;

try {
  const suite = join(work, 'suite');
  await writeSuite(suite, { scenarios: SCENARIOS, steps: S, by: 'scripts/bench/replay-scale.bench.mjs' });
  const valid = await runCliTimed(['validate', suite]);
  if (valid.code !== 0) throw new Error(`the generated suite is not valid:\n${valid.stdout}${valid.stderr}`);
  const scale = {
    paths: [suite],
    runArgs: ['--models', MODEL, '--effort', 'high', '--repeats', String(C / SCENARIOS), '--concurrency', String(K)],
    serverFlags: ['--ttft-ms', String(TTFT_MS), '--per-token-ms', String(PER_TOKEN_MS), '--tokens', String(TOKENS)],
  };
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    await waitForQuiet({ log: console.log });
    const r = await replay({ name: `scale-${i}`, ...scale });
    const conversations = r.manifest.counts.complete;
    if (conversations !== C || failedOf(r.manifest) !== 0 || r.served.requests !== turns || r.served.unexpected !== 0) {
      throw new Error(`scale-${i}: ${conversations} of ${C} conversations complete, ${r.served.requests} requests for ${turns} turns, ${r.served.unexpected} unexpected`);
    }
    const lag = r.served.lag;
    console.log(
      `scale-${i}: ${(r.ms / 1000).toFixed(2)} s, ${(r.cpuMs / turns).toFixed(2)} ms CPU/turn (user ${(r.userMs / 1000).toFixed(1)} s, system ${(r.systemMs / 1000).toFixed(1)} s), ${r.peakMiB.toFixed(0)} MB; ` +
        `server ${(r.served.cpuMs / 1000).toFixed(1)} s CPU, ${r.served.maxInFlight} in flight at most, read ${lag.readMs.map((x) => x.toFixed(0)).join('/')} ms, loop delay ${lag.loopMs.map((x) => x.toFixed(0)).join('/')} ms (p50/p99/max); ` +
        `run-queue wait of the main thread: CLI ${fmtSched(r.sched)}, server ${fmtSched(r.served.sched)}; ` +
        `other work on the machine ${r.otherCores.toFixed(2)} cores`,
    );
    runs.push(r);
    if (i > 0) await rm(join(work, `scale-${i}`), { recursive: true, force: true });
  }
  const med = (f) => median(runs.map(f));
  const wallMs = med((r) => r.ms);
  const runMs = med((r) => r.runMs);
  const cpuPerTurn = med((r) => r.cpuMs / turns);
  // user and system of the run whose CPU is the median, so the two add up to it
  const cpuRun = [...runs].sort((a, b) => a.cpuMs - b.cpuMs)[Math.floor(runs.length / 2)];
  const userPerTurn = cpuRun.userMs / turns;
  const systemPerTurn = cpuRun.systemMs / turns;
  // Run-queue wait of each process's main thread, as a share of the run's wall time.
  const cliWait = med((r) => (r.sched?.main.waitMs ?? NaN) / r.ms);
  const serverWait = med((r) => (r.served.sched?.main.waitMs ?? NaN) / r.ms);
  const cliMainBusy = med((r) => (r.sched?.main.runMs ?? NaN) / r.ms);
  const peak = med((r) => r.peakMiB);
  const cliCores = med((r) => r.cpuMs / r.ms);
  const serverCores = med((r) => r.served.cpuMs / r.ms);
  const serverCpuPerTurn = med((r) => r.served.cpuMs / turns);
  const readP99 = med((r) => r.served.lag.readMs[1]);
  const loopP99 = med((r) => r.served.lag.loopMs[1]);
  const loopMax = Math.max(...runs.map((r) => r.served.lag.loopMs[2]));
  const otherCores = med((r) => r.otherCores);
  const otherMax = Math.max(...runs.map((r) => r.otherCores));
  const maxInFlight = Math.min(...runs.map((r) => r.served.maxInFlight));
  const times = await turnTimes('scale-0');

  if (values['cpu-prof'] !== undefined) {
    const dir = resolve(values['cpu-prof']);
    await mkdir(dir, { recursive: true });
    const p = await replay({ name: 'scale-prof', ...scale, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
    console.log(`profiled run (not counted): ${(p.ms / 1000).toFixed(2)} s, ${(p.cpuMs / turns).toFixed(2)} ms CPU/turn; profile in ${dir}`);
    console.log(await topSelfTime(dir, 25));
  }

  const RPM = 1200;
  const limited = [];
  for (let i = 0; i < RUNS; i++) {
    limited.push(
      await replay({
        name: `rl-${i}`,
        paths: ['scenarios/t1-cascading-migration.yaml'],
        // T1 has 5 steps; the model axis gives 2 cells, so 100 repeats make 200 conversations.
        runArgs: ['--axis', 'model', '--repeats', '100', '--concurrency', '20', '--max-retries', '8'],
        serverFlags: ['--ttft-ms', '50', '--per-token-ms', '0', '--rpm', String(RPM)],
      }),
    );
  }
  const rlConversations = 200,
    t1Steps = 5;
  const rate = median(limited.map((r) => (rlConversations * t1Steps) / (r.runMs / 1000)));
  const failed = Math.max(...limited.map((r) => failedOf(r.manifest)));
  const throttled = median(limited.map((r) => r.served.rateLimited));

  const ok = (good) => (good ? 'met' : '**missed**');
  const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
  // Late by under 5% of L at the 99th percentile, reading and sending together.
  const serverKeptUp = readP99 + loopP99 <= 0.05 * L;
  const body = `
Machine: ${machine()}. Run on ${new Date().toISOString().slice(0, 10)}. Medians of ${RUNS} runs of the real CLI against the local server.

| figure | measured | target | |
| --- | --- | --- | --- |
| replay wall time, the whole \`driftbench run\` process (spawn to exit), C=${C.toLocaleString('en')} conversations x S=${S} steps, K=${K} at a time, L=${L / 1000} s per turn | ${sec(wallMs)} = ${(wallMs / ideal).toFixed(3)} x the ideal ceil(C/K) x S x L = ${ideal / 1000} s | <= 1.10 x ideal | ${ok(wallMs <= ideal * 1.1)} |
| engine CPU per turn (the CLI process's user + system CPU / ${turns.toLocaleString('en')} turns) | ${cpuPerTurn.toFixed(2)} ms (user ${userPerTurn.toFixed(2)} + system ${systemPerTurn.toFixed(2)}) | <= 3 ms | ${ok(cpuPerTurn <= 3)} |
| peak memory (max RSS of the CLI process) | ${peak.toFixed(0)} MB | < 400 MB | ${ok(peak < 400)} |
| the same run's own wall time (manifest created_at to ended_at) | ${sec(runMs)} = ${(runMs / ideal).toFixed(3)} x ideal | (not a target) | |
| throughput under a ${RPM} requests/minute limit (${RPM / 60}/s), latency 50 ms (T1, C=${rlConversations}, K=20) | ${rate.toFixed(2)} requests/s = ${Math.round((rate / (RPM / 60)) * 100)}% of the limit; ${throttled} requests answered 429 and retried | >= 90% of the limit | ${ok(rate >= 0.9 * (RPM / 60))} |
| failed conversations under the rate limit | ${failed} of ${rlConversations} | 0 | ${ok(failed === 0)} |

Where this change started from: the previous target was 1.05 x the ideal for C=200, K=20, S=5, L=100 ms, timed by the
run's manifest rather than the whole process: 5.53 s = 1.106 x the ideal 5.0 s (whole process 6.36 s), on the same machine.
The engine as it was before issue 12 (its own node:http transport for the SDK and a worker-thread file writer), measured
on this workload with this script on 2026-11-29 (1 run): 25.61 s = 1.280 x the ideal, 5.31 ms of CPU per turn (user 3.57 +
system 1.73), 241 MB. So the hand-written plumbing bought about 1 ms of CPU per turn and 7% of wall time, and missed both
targets too. Where the CPU goes now (\`--cpu-prof\`, main thread): Node's fetch and web streams and the SDK's stream parsing
and message building about 55%, the durable write (write-file-atomic: realpath, stat, open, fsync, chown, rename) about 15%,
garbage collection 10%, the engine's own code under 5%. Both targets would need a transport and a file writer of our own
again; issue 12 removed those on purpose, so they are reported here as missed rather than won back.

The workload: ${SCENARIOS} generated scenarios of ${S} steps each (prompts of about 400 characters, a constraint in step 1
and a trap in step ${S}; written to a temp dir and checked with \`driftbench validate\`), run with
\`--models ${MODEL} --effort high --repeats ${C / SCENARIOS} --concurrency ${K} --log-level warn\` and \`--base-url\` (so
\`--provider anthropic\`), transcripts into a temp dir on the same disk as the checkout, each turn written durably
(fsynced) before the next request. Each reply streams ${TOKENS} deltas (thinking, then text): the first ${TTFT_MS} ms after
the request arrives, then one every ${PER_TOKEN_MS} ms, so its last byte leaves the server ${L} ms after the request arrived.

How it is measured: the CLI runs under GNU time (\`/usr/bin/time -v\`). Wall time is from spawning it to its exit, so
start-up, planning and the manifest count; CPU (user + system, all its threads) and max RSS are the kernel's accounting
of that one process when it is reaped, with nothing loaded into it. The server (\`scripts/bench/replay-server.mjs\`: the
local server, with a reply of fixed length) is a process of its own, so its CPU (${serverCpuPerTurn.toFixed(2)} ms per turn) is not
counted. It runs at the lowest priority (\`nice -n 19\`), so when both want a core the CLI gets it, as it would if the API
were on another machine; at the default priority the server took cores from the CLI during the bursts (on this machine,
2 or 3 runs each: wall 27.3 s with the server at nice 19, 28.1 s at 0, 30.3 s at -10; the CLI's main thread waited 2.8,
4.8 and 6.6 s for a core).

What shared the cores: over a run the CLI used ${cliCores.toFixed(2)} of a core on average and the server ${serverCores.toFixed(2)}, together less
than the machine's ${cpus().length}. In the bursts they do not fit: the CLI's main thread (its event loop, running ${Math.round(cliMainBusy * 100)}% of the run's wall
time) spent another ${Math.round(cliWait * 100)}% runnable but waiting for a core, behind the CLI's own threads (libuv's pool doing the file-system
calls, the garbage collector) and, a little, the server at nice 19; the server's main thread waited ${Math.round(serverWait * 100)}%
(\`/proc/<pid>/task/<tid>/schedstat\`). The server times each reply from the request's arrival, not from when it had read
and checked the body, and it ${serverKeptUp ? 'kept up' : 'did not always keep up'}: from a request's arrival to its reply being planned took ${readP99.toFixed(0)} ms at the
99th percentile, and its event loop (which sends each due token) was ${loopP99.toFixed(0)} ms late at the 99th percentile (${loopMax.toFixed(0)} ms at
worst). ${serverKeptUp ? "So what a turn takes beyond L is almost all the CLI's, as a user would see it" : "So part of what a turn takes beyond L is the server's"}: in the first run the CLI
measured a median turn latency of ${Math.round(times.latency)} ms for L = ${L} ms, and a median of ${Math.round(times.gap)} ms from one turn's reply to the
next request (90th percentile ${Math.round(times.gap90)} ms, at worst ${Math.round(times.gapMax)} ms). All ${K} conversations start together and every reply
takes exactly L, so the turns arrive in bursts (the server had ${maxInFlight} requests in flight at once): harder than a real API,
whose latencies spread them out. Other work on the machine took ${otherCores.toFixed(2)} cores on average while the CLI ran (median of
the runs; ${otherMax.toFixed(2)} at most; from \`/proc/stat\`, less the two processes' own CPU)${otherMax > 0.25 ? ': the machine was shared, and the figures carry that noise' : ''}.

Under the rate limit the request gate halves its concurrency on a 429, waits out \`retry-after\`, and grows back one
request at a time.

Reproduce: \`npm run build && node scripts/bench/replay-scale.bench.mjs\` (options: \`--runs K\`; \`--cpu-prof DIR\` adds one
uncounted run under \`node --cpu-prof\` and prints the functions with the most self time).
`;
  writeSection('replay-scale', 'Replay at scale: 1,000 conversations at 1 s per turn, and throughput under a rate limit', body);
  console.log(body);
} finally {
  await rm(work, { recursive: true, force: true });
}
