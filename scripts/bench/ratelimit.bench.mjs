// Throughput under the API's rate limits, paced from the anthropic-ratelimit-* headers (issue 13).
//   npm run build && node scripts/bench/ratelimit.bench.mjs [--runs K] [--bin PATH]
// The real CLI against the local server (a process of its own, replay-server.mjs) with 1 s
// replies and more conversations at a time than the limit can serve:
// 1. an input-tokens-per-minute limit: C=300 conversations of S=5 steps, K=100 at a time, against
//    600,000 input tokens a minute (10,000 a second). Targets: input tokens admitted >= 95% of the
//    limit while it binds, and <= 2% of requests answered 429; every conversation completes.
// 2. a requests-per-minute limit: C=300, K=100, against 3,000 requests a minute (50 a second);
//    the same figures, reported (not targets).
// --bin PATH runs the same workloads with another build of the CLI (for a comparison with an
// earlier engine) and prints the figures without writing BENCHMARKS.md.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, median, runCliTimed, waitForQuiet, writeSection } from './lib.mjs';
import { replayAgainstServer, writeSuite } from './replay-lib.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, bin: { type: 'string' } } });
const RUNS = Number(values.runs);
const bin = values.bin === undefined ? undefined : resolve(values.bin);
const S = 5,
  SCENARIOS = 10,
  K = 100,
  L = 1000;
const MODEL = 'claude-opus-4-7';
// Each reply: 26 paced deltas, the first 500 ms after the request arrives, then one every 20 ms:
// the last byte leaves the server L = 1,000 ms after the request arrived.
const TOKENS = 26,
  PER_TOKEN_MS = 20,
  TTFT_MS = L - (TOKENS - 1) * PER_TOKEN_MS;
const latency = ['--ttft-ms', String(TTFT_MS), '--per-token-ms', String(PER_TOKEN_MS), '--tokens', String(TOKENS)];
const ITPM = 600_000,
  ITPM_C = 300;
const RPM = 3000,
  RPM_C = 300;
const work = await mkdtemp(join(tmpdir(), 'driftbench-bench-ratelimit-'));

// The engine before pacing (commit 52d16a6: the 429 rule alone), on the same workloads, measured
// with this script's --bin and --runs 1 on the same machine on 2026-11-29.
const BEFORE = `Before pacing (the engine at commit 52d16a6, whose request gate only reacted to 429s: halve the concurrency, wait
\`retry-after\`, grow back by one request per window of successes), on the same workloads, same machine, 2026-11-29, 1 run each
with \`--bin\`: under the input-token limit 62.9% of what the limit allowed (whole run 67.2%, wall 69.1 s) with 47 of 1,547
requests answered 429 (3.04%); under the requests limit 59.2% (whole run 68.2%) with 126 of 1,626 answered 429 (7.75%). There,
every 429 halves the requests in flight, which then grow back by one per window of successes: the limit is found by
running into it, and left unused while the concurrency recovers.`;

/**
 * How much of what the limit allowed was used while it bound: from the first second turn to the
 * last conversation's first turn. Before, the first K conversations' first turns (short ones)
 * have gone and all wait a whole turn for their replies, asking for nothing; after, conversations
 * end and none start, and the last ones cannot fill the limit. In between K are in flight, asking
 * for several times the limit. What the limit allowed in a window is what the server's bucket
 * held when it opened plus the refill over it; the bucket (rate-limit.ts: one second of the
 * limit, full when the first request came, refilled continuously) is replayed from the admitted
 * requests to know what it held. `pick` is what one admitted request counts: [ms, input tokens, turn].
 */
function binding(admitted, pick, perMinute) {
  const rate = perMinute / 60_000;
  const capacity = Math.max(1, perMinute / 60);
  const start = admitted.find((a) => a[2] === 2)[0];
  const end = admitted.findLast((a) => a[2] === 1)[0];
  let level = capacity;
  let at = admitted[0][0];
  let held = null;
  for (const a of admitted) {
    level = Math.min(capacity, level + (a[0] - at) * rate);
    at = a[0];
    if (held === null && a[0] >= start) held = level;
    level -= pick(a);
  }
  const used = admitted.filter((a) => a[0] >= start && a[0] <= end).reduce((n, a) => n + pick(a), 0);
  const all = admitted.reduce((n, a) => n + pick(a), 0);
  const last = admitted.at(-1)[0];
  const allowed = held + rate * (end - start);
  return {
    share: used / allowed,
    used,
    allowed,
    windowMs: end - start,
    wholeShare: all / (capacity + rate * last),
    wholeMs: last,
    total: all,
  };
}

async function workload(name, { conversations, serverFlags, pick, perMinute }) {
  await waitForQuiet({ maxWaitMs: 60_000, log: console.log });
  const r = await replayAgainstServer({
    work,
    name,
    paths: [join(work, 'suite')],
    runArgs: ['--models', MODEL, '--effort', 'high', '--repeats', String(conversations / SCENARIOS), '--concurrency', String(K), '--max-retries', '8'],
    serverFlags: [...latency, ...serverFlags],
    bin,
  });
  const complete = r.manifest.counts.complete;
  if (complete !== conversations || r.served.unexpected !== 0 || r.served.rejected !== 0) {
    throw new Error(`${name}: ${complete} of ${conversations} conversations complete, ${r.served.unexpected} unexpected, ${r.served.rejected} rejected requests`);
  }
  const b = binding(r.served.admitted, pick, perMinute);
  const share429 = r.served.rateLimited / r.served.requests;
  const limitPerS = perMinute / 60;
  console.log(
    `${name}: ${(b.share * 100).toFixed(1)}% of what the limit allowed (${Math.round(b.used)} of ${Math.round(b.allowed)} at ${limitPerS}/s) over ${(b.windowMs / 1000).toFixed(1)} s ` +
      `(whole run ${(b.wholeShare * 100).toFixed(1)}% over ${(b.wholeMs / 1000).toFixed(1)} s); ` +
      `${r.served.rateLimited} of ${r.served.requests} requests answered 429 (${(share429 * 100).toFixed(2)}%); ` +
      `wall ${(r.ms / 1000).toFixed(1)} s, at most ${r.served.maxInFlight} in flight; other work ${r.otherCores.toFixed(2)} cores`,
  );
  return { ...b, share429, rateLimited: r.served.rateLimited, requests: r.served.requests, wallMs: r.ms, maxInFlight: r.served.maxInFlight, otherCores: r.otherCores };
}

try {
  const suite = join(work, 'suite');
  await writeSuite(suite, { scenarios: SCENARIOS, steps: S, by: 'scripts/bench/ratelimit.bench.mjs' });
  const valid = await runCliTimed(['validate', suite], { bin });
  if (valid.code !== 0) throw new Error(`the generated suite is not valid:\n${valid.stdout}${valid.stderr}`);

  const tokens = [];
  const requests = [];
  for (let i = 0; i < RUNS; i++) {
    tokens.push(await workload(`itpm-${i}`, { conversations: ITPM_C, serverFlags: ['--itpm', String(ITPM)], pick: (a) => a[1], perMinute: ITPM }));
    requests.push(await workload(`rpm-${i}`, { conversations: RPM_C, serverFlags: ['--rpm', String(RPM)], pick: () => 1, perMinute: RPM }));
  }
  const med = (xs, f) => median(xs.map(f));
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  const ok = (good) => (good ? 'met' : '**missed**');
  const itpmS = ITPM / 60;
  const rpmS = RPM / 60;
  const t = {
    share: med(tokens, (r) => r.share),
    used: med(tokens, (r) => r.used),
    allowed: med(tokens, (r) => r.allowed),
    window: med(tokens, (r) => r.windowMs),
    whole: med(tokens, (r) => r.wholeShare),
    share429: med(tokens, (r) => r.share429),
    limited: med(tokens, (r) => r.rateLimited),
    requests: med(tokens, (r) => r.requests),
    total: med(tokens, (r) => r.total),
    wall: med(tokens, (r) => r.wallMs),
  };
  const q = {
    share: med(requests, (r) => r.share),
    used: med(requests, (r) => r.used),
    allowed: med(requests, (r) => r.allowed),
    window: med(requests, (r) => r.windowMs),
    whole: med(requests, (r) => r.wholeShare),
    share429: med(requests, (r) => r.share429),
    limited: med(requests, (r) => r.rateLimited),
    requests: med(requests, (r) => r.requests),
  };
  const otherMax = Math.max(...[...tokens, ...requests].map((r) => r.otherCores));
  const body = `
Machine: ${machine()}. Run on ${new Date().toISOString().slice(0, 10)}. Medians of ${RUNS} runs of the real CLI against the local server.

| figure | measured | target | |
| --- | --- | --- | --- |
| input tokens admitted while a ${ITPM.toLocaleString('en')} input tokens/minute limit binds (C=${ITPM_C}, K=${K}, S=${S}, L=${L / 1000} s) | ${pct(t.share)} of what the limit allowed over ${(t.window / 1000).toFixed(1)} s: ${Math.round(t.used).toLocaleString('en')} input tokens admitted of ${Math.round(t.allowed).toLocaleString('en')} (${itpmS.toLocaleString('en')} a second, plus what the bucket held when the window opened) | >= 95% | ${ok(t.share >= 0.95)} |
| requests answered 429 under that limit | ${t.limited} of ${t.requests} = ${(t.share429 * 100).toFixed(2)}% | <= 2% | ${ok(t.share429 <= 0.02)} |
| conversations complete | ${ITPM_C} of ${ITPM_C} in every run | all | met |
| the same over the whole run, first request to last (its start and its end included) | ${pct(t.whole)} of what the limit allowed; wall time ${(t.wall / 1000).toFixed(1)} s for ${Math.round(t.total).toLocaleString('en')} input tokens | (not a target) | |
| requests admitted while a ${RPM.toLocaleString('en')} requests/minute limit binds (C=${RPM_C}, K=${K}, same workload) | ${pct(q.share)} of what the limit allowed over ${(q.window / 1000).toFixed(1)} s: ${Math.round(q.used).toLocaleString('en')} requests admitted of ${Math.round(q.allowed).toLocaleString('en')} (${rpmS} a second, plus the bucket); whole run ${pct(q.whole)} | (not a target) | |
| requests answered 429 under that limit | ${q.limited} of ${q.requests} = ${(q.share429 * 100).toFixed(2)}% | (not a target) | |

${BEFORE}

The workload: ${SCENARIOS} generated scenarios of ${S} steps (prompts of about 400 characters; the suite replay-scale uses,
\`scripts/bench/replay-lib.mjs\`), run with \`--models ${MODEL} --effort high --concurrency ${K} --max-retries 8 --log-level warn\` and
\`--base-url\`. Each reply streams ${TOKENS} deltas, the first ${TTFT_MS} ms after the request arrives and then one every ${PER_TOKEN_MS} ms,
so a turn takes L = ${L} ms at the server. A conversation's turns ask for 95, 198, 302, 405 and 524 input tokens as its history grows (1,524 in all), so
${K} conversations at a time would ask for several times either limit. The server (\`scripts/bench/replay-server.mjs\`, the local
server's token buckets in \`test/support/local-server/rate-limit.ts\`) holds one second of each limit and refills it continuously,
as the API may enforce a per-minute limit over shorter intervals; it counts a request's input tokens as ceil(characters / 4),
as the engine estimates them, and sends the \`anthropic-ratelimit-*\` headers with RFC 3339 resets on every response.

How it is measured: the server lists every request it let through (when it arrived, the input tokens it counted, the turn).
Throughput is what it admitted from the first second turn to the last conversation's first turn, over what the limit allowed
in that window: the refill at the limit's rate, plus what the bucket held when the window opened (the bucket replayed from the
admitted requests; it was full when the first one came). In that window ${K} conversations were in flight and asked for several
times the limit; before it, the first ${K} first turns (95 input tokens each) have gone and all wait for their replies, and after it
conversations end and none start. The whole run, first request to last (the bucket full at the start), is reported beside it.
The 429 share is the server's count of requests it refused for rate over every message request it received.
Other work on the machine took up to ${otherMax.toFixed(2)} cores while the CLI ran (from \`/proc/stat\`, less the two processes' own CPU).

How the engine paces (\`engine/replay/rate-pacer.ts\`): it keeps a copy of each bucket from the last response's headers
(rate = limit per minute, capacity from the reset time, what remains less what the requests not yet counted will take), takes
each request's estimate from the copy when it is sent, and holds requests that do not fit until the copy has refilled, first
come first served. Until the first response has stated the limits, one request goes at a time. The request gate's 429 rule
(halve the concurrency, wait \`retry-after\`) stays as the safety net for 429s the headers do not explain.

The replay-scale section's row under a 1,200 requests/minute limit was measured before pacing existed.

Reproduce: \`npm run build && node scripts/bench/ratelimit.bench.mjs\` (options: \`--runs K\`; \`--bin PATH\` runs another build of
the CLI and writes nothing).
`;
  if (bin === undefined) writeSection('ratelimit', 'Throughput under rate limits, paced from the rate-limit headers', body);
  console.log(body);
} finally {
  await rm(work, { recursive: true, force: true });
}
