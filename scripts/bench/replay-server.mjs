// The local Anthropic-compatible server in a process of its own, for replay-scale.bench.mjs and
// ratelimit.bench.mjs: the CLI's CPU and memory are then the CLI's alone, and the two processes
// are scheduled by the kernel like a client and a remote API sharing nothing but the machine.
//   node scripts/bench/replay-server.mjs [--ttft-ms N] [--per-token-ms N] [--tokens N] [--rpm N] [--itpm N]
// --rpm and --itpm set the rate limits (requests and input tokens per minute; rate-limit.ts).
// Prints one JSON line { url } once listening. On SIGTERM it closes and prints one JSON line of
// what it saw ({ requests, unexpected, rejected, rateLimited, maxInFlight, admitted, cpuMs, peakMiB, sched, lag }),
// then exits. `admitted` lists the requests the rate limits let through, in order of arrival:
// [ms since the first, input tokens as the limit counted them, the conversation's turn it asked for (1, 2, ...)]. `lag` says whether this process kept up, so a slow turn can be put on the right side:
// readMs, from a request's arrival to its reply being planned (body read, parsed, checked), and
// loopMs, the event loop's delay (how late a due token can go out); p50 / p99 / max in ms each.
// `sched` is its run and run-queue wait time (lib.mjs schedStat).
//
// Every reply has exactly --tokens paced deltas (thinking first when the request enables it,
// then text), so a turn's time from request to last byte is ttftMs + (tokens - 1) x perTokenMs
// whatever the prompt: the server sends the first delta ttftMs after the request arrived, then
// one every perTokenMs (test/support/local-server/sse.ts).
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { root, schedStat } from './lib.mjs';

const { values } = parseArgs({
  options: {
    'ttft-ms': { type: 'string', default: '0' },
    'per-token-ms': { type: 'string', default: '0' },
    tokens: { type: 'string', default: '26' },
    rpm: { type: 'string' },
    itpm: { type: 'string' },
  },
});
const { startLocalServer } = await import(join(root, 'dist', 'test', 'support', 'local-server', 'index.js'));
const { estimateInputTokens } = await import(join(root, 'dist', 'test', 'support', 'local-server', 'tokens.js'));

const TOKENS = Number(values.tokens);
const THINKING_TOKENS = Math.min(6, TOKENS - 1);
const PHRASE = 'the plan keeps every constraint from the earlier steps in view and checks each one again before it answers'.split(' ');
const words = (n, offset = 0) => Array.from({ length: n }, (_, i) => PHRASE[(i + offset) % PHRASE.length]).join(' ');

const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
const read = createHistogram();

/** A reply of TOKENS deltas (one word each), naming the turn it answers. */
function fixedResponder(req) {
  read.record(Math.max(1, Math.round((performance.now() - req.arrivedMs) * 1000)));
  const messages = Array.isArray(req.body?.messages) ? req.body.messages : [];
  const turn = messages.filter((m) => m?.role === 'user').length;
  const thinks = req.body?.thinking != null && req.body.thinking.type !== 'disabled';
  const content = [];
  let textTokens = TOKENS;
  if (thinks) {
    content.push({ type: 'thinking', thinking: `Turn${turn}: ${words(THINKING_TOKENS - 1)}` });
    textTokens -= THINKING_TOKENS;
  }
  content.push({ type: 'text', text: `Turn${turn}: ${words(textTokens - 1, turn)}` });
  return { content };
}

const server = await startLocalServer({
  responder: fixedResponder,
  latency: { ttftMs: Number(values['ttft-ms']), perTokenMs: Number(values['per-token-ms']) },
  rateLimit:
    values.rpm === undefined && values.itpm === undefined
      ? undefined
      : {
          ...(values.rpm === undefined ? {} : { requestsPerMinute: Number(values.rpm) }),
          ...(values.itpm === undefined ? {} : { inputTokensPerMinute: Number(values.itpm) }),
        },
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

process.once('SIGTERM', async () => {
  await server.close();
  const { rateLimited, maxInFlight } = server.stats();
  const replies = server.messageRequests().filter((r) => r.outcome === 'reply');
  const t0 = replies[0]?.arrivedMs ?? 0;
  const admitted = replies.map((r) => [Math.round((r.arrivedMs - t0) * 10) / 10, estimateInputTokens(r.body), (r.body.messages.length + 1) / 2]);
  const usage = process.resourceUsage();
  const report = {
    requests: server.messageRequests().length,
    unexpected: server.unexpected().length,
    rejected: server.requests.filter((r) => r.outcome === 'rejected').length,
    rateLimited,
    maxInFlight,
    admitted,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    peakMiB: usage.maxRSS / 1024,
    sched: schedStat(process.pid),
    lag: {
      readMs: [read.percentile(50), read.percentile(99), read.max].map((us) => us / 1000),
      loopMs: [loop.percentile(50), loop.percentile(99), loop.max].map((ns) => ns / 1e6),
    },
  };
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
});
