import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { echoResponder, startLocalServer, type LocalServer, type RecordedRequest, type Scripted } from '../support/local-server/index.js';
import type { RunManifest } from '../../engine/transcript/format.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, replayArgs, tempDir } from '../helpers/replay.js';

/**
 * The fault suite, shared by the default stress test (50 conversations) and its long variant
 * (200): a local server faults a share of requests at random, and every conversation must end
 * complete or errored with its cause.
 */
/** A small deterministic generator, so a failing run can be replayed. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Streams that stall (issue 17): each attempt runs into a timeout, which TIMEOUTS keeps short. */
export const STALLS: Scripted[] = [{ fault: 'stall' }, { fault: 'pings-only', everyMs: 50 }, { fault: 'trickle', everyMs: 200 }, { fault: 'no-headers' }];

const FAULTS: Scripted[] = [
  { fault: 'rate-limit', retryAfterMs: 5 },
  { fault: 'overloaded', retryAfterMs: 5 },
  { fault: 'server-error' },
  { fault: 'cut-stream' },
  { fault: 'stream-error' },
  { fault: 'malformed-sse' },
  ...STALLS,
];

/** Timeouts of a fraction of a second, so that a stalled attempt costs little time. */
const TIMEOUTS = ['--connect-timeout', '0.3', '--idle-timeout', '0.3', '--attempt-timeout', '10'];

/** Answers like echoResponder, but one request in `1/rate` gets one of `faults` (default: all ten). */
export function faultyResponder(rate: number, random: () => number, injected: Map<string, number>, faults: readonly Scripted[] = FAULTS) {
  const echo = echoResponder();
  return (req: RecordedRequest): Scripted | undefined => {
    if (random() < rate) {
      const f = faults[Math.floor(random() * faults.length)]!;
      injected.set((f as { fault: string }).fault, (injected.get((f as { fault: string }).fault) ?? 0) + 1);
      return f;
    }
    return echo(req);
  };
}

/** Runs the fault suite and checks every conversation either completed or says why it did not. */
export async function faultSuite(conversations: number, rate: number, seed: number, faults: readonly Scripted[] = FAULTS) {
  const injected = new Map<string, number>();
  const server = await startLocalServer({ responder: faultyResponder(rate, lcg(seed), injected, faults) });
  try {
    return await checkFaultSuite(server, injected, conversations);
  } finally {
    await server.close();
  }
}

async function checkFaultSuite(server: LocalServer, injected: Map<string, number>, conversations: number) {
  const out = await tempDir();
  const started = performance.now();
  const r = await runBin(replayArgs(server.url, '--repeats', String(conversations), '--concurrency', '8', '--max-retries', '2', '--out', out, '--run-name', 'f', ...TIMEOUTS), {
    env: { ANTHROPIC_API_KEY: FAKE_KEY, DRIFTBENCH_RETRY_BASE_MS: '1' },
  });
  expect(r.stderr).not.toMatch(STACK_LINE);
  const transcripts = await readTranscripts(join(out, 'f'));
  expect(transcripts).toHaveLength(conversations);
  const counts = { complete: 0, errored: 0 };
  const reasons: string[] = [];
  for (const t of transcripts) {
    if (t.status === 'complete') {
      counts.complete++;
      // Not silently truncated: every step answered, every reply whole.
      expect(t.turns.map((x) => x.step)).toEqual([1, 2, 3]);
      for (const turn of t.turns) expect(turn.response!.content.map((b) => b.text ?? '').join('')).toMatch(/^Reply to turn \d: /);
    } else {
      counts.errored++;
      expect(t.status).toBe('errored');
      expect(t.status_reason).toMatch(/^step \d failed after \d+ attempt\(s\): /);
      reasons.push(t.status_reason!);
      const last = t.turns.at(-1)!;
      expect(last.response).toBeNull();
      expect(last.error!.message.length).toBeGreaterThan(0);
      expect(last.attempts.length).toBeGreaterThan(0);
    }
  }
  const manifest = JSON.parse(await readFile(join(out, 'f', 'manifest.json'), 'utf8')) as RunManifest;
  expect(manifest.counts).toMatchObject({ complete: counts.complete, errored: counts.errored, pending: 0 });
  expect(r.code).toBe(counts.errored > 0 ? 2 : 0);
  const faults = [...injected.values()].reduce((a, b) => a + b, 0);
  const requests = server.messageRequests().length;
  // The test output prints the counts, as the issue asks.
  console.log(
    `fault suite: ${conversations} conversations, ${requests} requests, ${faults} faults injected (${[...injected].map(([k, v]) => `${k} ${v}`).join(', ')}); ${counts.complete} complete, ${counts.errored} errored with their cause; ${Math.round(performance.now() - started)} ms`,
  );
  return { injected, counts, reasons };
}
