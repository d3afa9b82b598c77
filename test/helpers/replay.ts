import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { runCommand, type RunOptions } from '../../engine/cli/commands/run.js';
import { captureOutput } from '../../engine/cli/output.js';
import { ReplayEvents, type ReplayEvent } from '../../engine/replay/events.js';
import { stopControl } from '../../engine/replay/run.js';
import type { RunManifest, Transcript } from '../../engine/transcript/format.js';
import { parseTranscript } from '../../engine/transcript/run-store.js';
import type { LocalServer } from '../support/local-server/index.js';
import { repoRoot } from './cli.js';

export const FAKE_KEY = 'sk-ant-test-DO-NOT-LEAK-7f3a9c';

/** The three-step scenario that the CLI replay tests run. */
export const THREE_STEPS = 'test/fixtures/replay/three-steps.yaml';

/**
 * argv for `driftbench run` of the three-step scenario against the endpoint at `baseUrl`, then
 * `extra`. The cell is claude-opus-4-7 at high effort unless `extra` gives its own `--models` or
 * `--effort`: both options add up when repeated, so a default would add a second cell.
 */
export function replayArgs(baseUrl: string, ...extra: string[]): string[] {
  const cell = [
    ['--models', 'claude-opus-4-7'],
    ['--effort', 'high'],
  ].filter(([flag]) => !extra.includes(flag!));
  return ['run', THREE_STEPS, '--base-url', baseUrl, ...cell.flat(), ...extra];
}

export async function tempDir(prefix = 'driftbench-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * Runs `runCommand`, the function behind `driftbench run`, against a local server with the
 * real SDK. Returns the manifest, every event, and the transcripts as written to disk.
 */
export async function runAgainst(
  server: LocalServer,
  opts: Partial<RunOptions> & { paths: string[] },
  extra: { out?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ manifest: RunManifest; events: ReplayEvent[]; transcripts: Transcript[]; dir: string; output: ReturnType<typeof captureOutput> }> {
  const out = extra.out ?? (await tempDir());
  const events = new ReplayEvents();
  const seen: ReplayEvent[] = [];
  events.on((e) => seen.push(e));
  const output = captureOutput();
  const manifest = await runCommand(
    {
      tasks: [],
      concurrency: 2,
      maxRetries: 3,
      out,
      repeats: 1,
      provider: 'anthropic',
      baseUrl: server.url,
      retryBaseMs: 5,
      ...opts,
      paths: opts.paths.map((p) => join(repoRoot, p)),
    },
    {
      output,
      cwd: repoRoot,
      // A Models API cache of its own, as runBin gives each run (local servers reuse ports).
      env: { ANTHROPIC_API_KEY: FAKE_KEY, OPENROUTER_API_KEY: FAKE_KEY, DRIFTBENCH_MODELS_CACHE_DIR: await tempDir('driftbench-models-'), ...extra.env },
      now: Date.now,
      log: pino({ level: 'silent' }),
      events,
      stop: stopControl(),
      engineVersion: 'test',
    },
  );
  const dir = opts.resume ?? join(out, manifest.run_id);
  return { manifest, events: seen, transcripts: await readTranscripts(dir), dir, output };
}

export async function readTranscripts(runDir: string): Promise<Transcript[]> {
  const conv = join(runDir, 'conversations');
  const files = (await readdir(conv)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (f) => parseTranscript(join(conv, f), await readFile(join(conv, f), 'utf8'))));
}
