import { isAbsolute, join } from 'node:path';
import { runCommand } from '../cli/commands/run.js';
import { engineVersion } from '../paths.js';
import type { Timeouts } from '../providers/timeouts.js';
import { stopControl } from '../replay/context.js';
import { type ReplayEvent, ReplayEvents } from '../replay/events.js';
import type { RunManifest } from '../transcript/format.js';
import { attachRunLog } from '../cli/run-log.js';
import { type CommonOptions, environment, list, sideEffects } from './common.js';

export interface RunOptions extends CommonOptions {
  /** Scenario files or folders (relative to `cwd`). */
  scenarios: string | readonly string[];
  /**
   * The key of the provider. Without one (and without `provider` or `baseUrl`), the run is the
   * offline rehearsal: `rehearsal:pass` and `rehearsal:fail` play each scenario's fixtures, with no
   * network and no cost. The API never reads ANTHROPIC_API_KEY from `process.env` by itself.
   */
  apiKey?: string;
  /** `anthropic`, `openrouter` or `rehearsal`. Default: `anthropic` with an `apiKey` or `baseUrl`, else `rehearsal`. */
  provider?: string;
  /** Any Anthropic-compatible endpoint (implies `provider: 'anthropic'`). */
  baseUrl?: string;
  /** An axis preset from `engine/data/axes.json` (`model`, `effort`, ...). Default: the model and effort axes. */
  axis?: string;
  /** Models to run. Ignored offline (the rehearsal models play instead), with a warning. */
  models?: readonly string[];
  /** Effort levels: `default`, `low`, `medium`, `high`, `xhigh`, `max`. */
  efforts?: readonly string[];
  /** Only these task codes or scenario ids. Default: every scenario. */
  tasks?: readonly string[];
  /** Conversations per scenario and cell. Default: 3 (or the matrix file's). */
  repeats?: number;
  /** Conversations at once; steps within one stay sequential. Default: 4. */
  concurrency?: number;
  /** Retries per turn after the first attempt. Default: 4. */
  maxRetries?: number;
  /**
   * The limits of one attempt, in milliseconds: `headersMs` until the response begins (default
   * 60,000), `idleMs` of a stream sending nothing but pings (default 300,000), `attemptMs` in all
   * (default 3,600,000). An attempt that runs out of time is retried like a broken connection.
   */
  timeouts?: Partial<Timeouts>;
  /** A matrix file (`schemas/matrix.schema.json`). */
  matrix?: string;
  /** Where run directories go. Default: `transcripts`. */
  out?: string;
  /** The run directory's name. Default: a timestamp and the axis. */
  runName?: string;
  /** A run directory to continue where it stopped; nothing completed is requested again. */
  resume?: string;
  /** Sent only to models whose profile accepts it. */
  temperature?: number;
  /** A hard budget in USD: each turn's worst case is reserved before it is sent. */
  maxCost?: number;
  /** A cache_control breakpoint on the newest turn. Default: true. */
  promptCache?: boolean;
  /** `k/n`: only shard k of n of the plan. */
  shard?: string;
  /** The Message Batches API (half price), one batch per step. Default: false. */
  batch?: boolean;
  /** Memory conditions, a run axis: `baseline` (default), `ledger`, `mem0`. */
  conditions?: readonly string[];
  /** Distractor exchanges between a constraint and its trap (10), or a token budget of them ('50k'); a run axis. Default: [0]. */
  distances?: readonly (number | string)[];
  /** Instances per template. Default: every combination, up to 24 (past that, a seeded sample). */
  instances?: number;
  /** The seed that draws instances from a template. Default: 0. */
  seed?: number;
  /** Proxies (HTTPS_PROXY, NO_PROXY), MEM0_API_KEY and the like. Default: none. */
  env?: NodeJS.ProcessEnv;
  /** Called with every replay event (turn sent, received, retried, conversation done...). */
  onEvent?: (event: ReplayEvent) => void;
  /** Aborting stops the run: turns in flight are aborted and the manifest says `interrupted`. */
  signal?: AbortSignal;
}

export interface RunResult {
  /** The run directory: give it to `score`, `report` and `diff`. */
  dir: string;
  /** The run's manifest as written: its plan, status and counts. */
  manifest: RunManifest;
}

/**
 * Plans and replays scenarios against models, writing one transcript per conversation under
 * `out/<run name>/`, as `driftbench run` does. Offline (no `apiKey`) it is the rehearsal.
 * A conversation that errors does not throw: look at `manifest.counts` and `manifest.status`.
 *
 * @throws ScenarioError when a scenario file is invalid (every problem at once).
 * @throws UsageError for a bad option: an unknown model, effort, axis, provider, condition, a
 *   run directory that already holds a run, or a `resume` of a run recorded against a base URL
 *   other than the provider's default without `baseUrl` given again (the key goes only there).
 * @throws RunInUseError when another live process is replaying the same run directory.
 * @throws ProviderError when the endpoint cannot be asked about the models.
 * @throws TranscriptError when `resume` names a run whose files are damaged.
 */
export async function run(opts: RunOptions): Promise<RunResult> {
  const { cwd, now, logger, output } = sideEffects(opts);
  const events = new ReplayEvents();
  const stop = stopControl();
  const detach = [attachRunLog(events, logger, 'info'), opts.onEvent ? events.on(opts.onEvent) : () => {}];
  const onAbort = () => {
    stop.requested = true;
    stop.reason = 'aborted by the caller';
    stop.abort.abort();
  };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const out = opts.out ?? 'transcripts';
    const manifest = await runCommand(
      {
        paths: list(opts.scenarios),
        // Left to the command to choose, as the CLI does: anthropic with a key or a base URL, else the rehearsal.
        provider: opts.provider,
        baseUrl: opts.baseUrl,
        axis: opts.axis,
        models: opts.models && [...opts.models],
        efforts: opts.efforts && [...opts.efforts],
        tasks: [...(opts.tasks ?? [])],
        repeats: opts.repeats,
        concurrency: opts.concurrency ?? 4,
        maxRetries: opts.maxRetries ?? 4,
        timeouts: opts.timeouts,
        matrix: opts.matrix,
        out,
        runName: opts.runName,
        resume: opts.resume,
        temperature: opts.temperature,
        maxCost: opts.maxCost,
        promptCache: opts.promptCache,
        shard: opts.shard,
        batch: opts.batch === true,
        conditions: opts.conditions && [...opts.conditions],
        distances: opts.distances?.map(String),
        instances: opts.instances,
        seed: opts.seed,
      },
      { output, cwd, env: environment(opts.provider ?? 'anthropic', opts), now, log: logger, events, stop, engineVersion: engineVersion() },
    );
    const abs = (p: string) => (isAbsolute(p) ? p : join(cwd, p));
    return { dir: opts.resume !== undefined ? abs(opts.resume) : join(abs(out), manifest.run_id), manifest };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    for (const d of detach) d();
  }
}
