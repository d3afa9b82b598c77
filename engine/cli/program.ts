import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { engineVersion } from '../paths.js';
import type { JudgeOptions } from './judge-options.js';
import type { LogFormat, LogLevel, Logger } from './logger.js';

// Commands load their modules when they run, not at start-up: `driftbench --help` and a quick
// `validate` should not pay for the SDK, pino and every stage (BENCHMARKS.md, CLI start-up).
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const DIFF_FORMATS = ['text', 'markdown', 'json', 'html'] as const;
import type { Output } from './output.js';

/** The side effects a CLI invocation may use. Tests pass their own. */
export interface CliDeps {
  output: Output;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => number;
  /** Built from --log-format / --log-level once options are parsed. */
  makeLogger?: (format: LogFormat, level: LogLevel) => Logger;
  /** Subscribes to SIGINT; returns an unsubscribe. Tests leave it out. */
  onInterrupt?: (handler: () => void) => () => void;
  /** The terminal stream for a progress bar, when there is one. */
  progressStream?: NodeJS.WriteStream;
}

const intArg = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}`);
  return n;
};
const listArg = (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(',').map((x) => x.trim()).filter(Boolean)];

const DEFAULT_SCENARIOS = ['scenarios'];

/** bin only parses arguments: each action hands plain options and deps to a command function. */
/** What an action decided, read by runCli: actions never touch process.exitCode themselves. */
export interface CliResult {
  exitCode: number;
}

export function buildProgram(deps: CliDeps, result: CliResult = { exitCode: 0 }): Command {
  const program = new Command('driftbench')
    .description('Finds out whether a language model keeps, late in a conversation, what it established early.')
    .version(engineVersion(), '-V, --version')
    .addOption(new Option('--log-format <format>', 'log lines: pretty on a terminal, json when piped').choices(['auto', 'pretty', 'json']).default('auto'))
    .addOption(new Option('--log-level <level>', 'log level').choices([...LOG_LEVELS]).default('info'))
    .showHelpAfterError('(run driftbench --help for usage)')
    .configureOutput({ writeOut: (s) => deps.output.out(s.replace(/\n$/, '')), writeErr: (s) => deps.output.err(s.replace(/\n$/, '')) })
    .exitOverride();

  const logger = async (): Promise<Logger> => {
    const o = program.opts<{ logFormat: LogFormat; logLevel: LogLevel }>();
    if (deps.makeLogger) return deps.makeLogger(o.logFormat, o.logLevel);
    const { createLogger } = await import('./logger.js');
    return createLogger({ format: o.logFormat, level: o.logLevel, color: deps.output.color });
  };

  program
    .command('validate')
    .description('check scenario files against the schema and each other; exit 2 on any problem')
    .argument('[paths...]', 'scenario files or folders', DEFAULT_SCENARIOS)
    .action(async (paths: string[]) => {
      (await logger()).debug({ paths }, 'validate');
      const { validateCommand } = await import('./commands/validate.js');
      await validateCommand({ paths }, deps);
    });

  program
    .command('list')
    .description('list scenarios: id, title, category, steps, constraints, trap step')
    .argument('[paths...]', 'scenario files or folders', DEFAULT_SCENARIOS)
    .action(async (paths: string[]) => {
      const { listCommand } = await import('./commands/list.js');
      await listCommand({ paths }, deps);
    });

  program
    .command('run')
    .description('replay scenarios against models as multi-turn conversations and write transcripts')
    .argument('[paths...]', 'scenario files or folders', DEFAULT_SCENARIOS)
    .addOption(new Option('--provider <name>', 'anthropic, openrouter or rehearsal (default: anthropic with ANTHROPIC_API_KEY, else rehearsal)'))
    .option('--base-url <url>', 'any Anthropic-compatible endpoint (implies --provider anthropic)')
    .option('--axis <axis>', 'a preset from engine/data/axes.json: model (Opus 4.7 vs 4.6 at high) or effort (standard/high/xhigh on 4.7); default: all presets')
    .option('--models <list>', 'models to run, comma-separated (repeatable)', listArg)
    .option('--effort <list>', 'effort levels: standard, low, medium, high, xhigh, max (repeatable)', listArg)
    .option('--task <task>', 'run only this task code or scenario id (repeatable)', listArg, [])
    .option('--repeats <n>', 'conversations per scenario and cell (default 3)', intArg('--repeats', 1))
    .option('--concurrency <n>', 'conversations at once; steps within one stay sequential', intArg('--concurrency', 1), 4)
    .option('--max-retries <n>', 'retries per turn for 408/409/429/5xx/529, connection and stream errors', intArg('--max-retries', 0), 4)
    .option('--matrix <file>', 'a matrix file (schemas/matrix.schema.json) with models, efforts, repeats, tasks')
    .option('--temperature <t>', 'sent only to models whose profile accepts it; recorded as dropped otherwise', (v) => Number(v))
    .option('--out <dir>', 'where run directories go', 'transcripts')
    .option('--run-name <name>', 'the run directory name (default: a timestamp and the axis)')
    .option('--resume <run-dir>', 'continue a run where it stopped; nothing completed is requested again')
    .option('--max-cost <usd>', 'a hard budget: reserve each turn\'s worst case before sending; never go over', (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('--max-cost must be a number of dollars, e.g. 25');
      return n;
    })
    .option('--dry-run', 'print the plan and its estimated cost per cell and in total; send nothing')
    .option('--no-prompt-cache', 'do not put a cache_control breakpoint on the newest turn')
    .option('--shard <k/n>', 'run only shard k of n of the plan (deterministic); join shards with driftbench merge')
    .option('--batch', 'use the Message Batches API (half price): one batch per step for all conversations')
    .option('--condition <list>', 'memory conditions to run, a run axis: baseline, ledger (repeatable)', listArg)
    .option('--distance <list>', 'distractor exchanges between a constraint and its trap, a run axis, e.g. 0,10,50', listArg)
    .action(async (paths: string[], opts: Record<string, unknown>) => {
      const globals = program.opts<{ logLevel: LogLevel }>();
      const log = await logger();
      const [{ ReplayEvents }, { stopControl }, { runCommand, runSummary }, { attachProgressBar }, { attachRunLog }] = await Promise.all([
        import('../replay/events.js'),
        import('../replay/run.js'),
        import('./commands/run.js'),
        import('./progress.js'),
        import('./run-log.js'),
      ]);
      const events = new ReplayEvents();
      const stop = stopControl();
      const bar = deps.progressStream?.isTTY === true && !['debug', 'trace'].includes(globals.logLevel);
      const detachBar = bar ? attachProgressBar(events, deps.progressStream!) : () => {};
      const detachLog = attachRunLog(events, log, bar ? 'debug' : 'info');
      let interrupts = 0;
      const detachSignal =
        deps.onInterrupt?.(() => {
          interrupts++;
          stop.requested = true;
          stop.reason = 'interrupted by the user (SIGINT)';
          if (interrupts === 1) deps.output.err('Interrupted: finishing the turns in flight and writing the manifest (Ctrl-C again to abort them).');
          else stop.abort.abort();
        }) ?? (() => {});
      try {
        const manifest = await runCommand(
          {
            paths,
            provider: opts.provider as string | undefined,
            baseUrl: opts.baseUrl as string | undefined,
            axis: opts.axis as string | undefined,
            models: opts.models as string[] | undefined,
            efforts: opts.effort as string[] | undefined,
            tasks: (opts.task as string[] | undefined) ?? [],
            repeats: opts.repeats as number | undefined,
            concurrency: opts.concurrency as number,
            maxRetries: opts.maxRetries as number,
            matrix: opts.matrix as string | undefined,
            out: opts.out as string,
            runName: opts.runName as string | undefined,
            resume: opts.resume as string | undefined,
            temperature: opts.temperature as number | undefined,
            retryBaseMs: deps.env.DRIFTBENCH_RETRY_BASE_MS ? Number(deps.env.DRIFTBENCH_RETRY_BASE_MS) : undefined,
            maxCost: opts.maxCost as number | undefined,
            dryRun: opts.dryRun === true,
            promptCache: opts.promptCache !== false,
            shard: opts.shard as string | undefined,
            batch: opts.batch === true,
            batchPollMs: deps.env.DRIFTBENCH_BATCH_POLL_MS ? Number(deps.env.DRIFTBENCH_BATCH_POLL_MS) : undefined,
            conditions: opts.condition as string[] | undefined,
            distances: opts.distance as string[] | undefined,
          },
          { ...deps, log, events, stop, engineVersion: engineVersion() },
        );
        detachBar();
        if (opts.dryRun === true) {
          if (manifest.status !== 'complete') result.exitCode = 1;
          return;
        }
        const dir = opts.resume !== undefined ? resolve(deps.cwd, String(opts.resume)) : resolve(deps.cwd, String(opts.out), manifest.run_id);
        for (const line of runSummary(manifest, dir, deps.cwd)) deps.output.out(line);
        // 0: every conversation ran to its end (refusals and cut-offs are findings in the data);
        // 2: a conversation errored or the run was interrupted.
        if (manifest.status === 'interrupted' || manifest.counts.errored > 0) result.exitCode = 2;
      } finally {
        detachBar();
        detachLog();
        detachSignal();
      }
    });

  const judgeFlags = (cmd: Command): Command =>
    cmd
      .option('--judge <judge>', `heuristic (offline: probes and trap cues), a judge model, or a comma-separated panel (default: ${'claude-sonnet-4-6'} with a key, heuristic without)`)
      .option('--judge-samples <k>', 'judge each prompt k times and take the majority', intArg('--judge-samples', 1), 1)
      .option('--judge-provider <name>', 'anthropic or openrouter (default anthropic)')
      .option('--judge-base-url <url>', 'any Anthropic-compatible endpoint for the judge')
      .option('--cache-dir <dir>', 'the judge cache (default .driftbench-cache/judge, or DRIFTBENCH_CACHE_DIR)')
      .option('--no-cache', 'judge again instead of reading cached verdicts (new verdicts replace cached ones)')
      .option('--max-retries <n>', 'retries per judge call', intArg('--max-retries', 0), 4);
  const judgeOptions = (opts: Record<string, unknown>): JudgeOptions => ({
    judge: opts.judge as string | undefined,
    samples: opts.judgeSamples as number,
    provider: opts.judgeProvider as string | undefined,
    baseUrl: opts.judgeBaseUrl as string | undefined,
    cacheDir: opts.cacheDir as string | undefined,
    cache: opts.cache !== false,
    maxRetries: opts.maxRetries as number,
  });

  judgeFlags(
    program
      .command('score')
      .description('score saved transcripts offline (mem_fail, citations, self-corrections, retention, drift, coherence, latency, cost); writes <run>/scores/<judge>.json')
      .argument('<inputs...>', 'run directories or transcript files')
      .option('--scenarios <paths...>', 'the suite for transcripts outside a run directory', DEFAULT_SCENARIOS)
      .option('--no-coherence', 'skip the per-step coherence judgements (one judge call per step)')
      .option('--concurrency <n>', 'transcripts scored at once', intArg('--concurrency', 1), 8),
  ).action(async (inputs: string[], opts: Record<string, unknown>) => {
    const [{ makeJudge }, { scoreCommand }] = await Promise.all([import('./judge-options.js'), import('./commands/score.js')]);
    const judge = makeJudge(judgeOptions(opts), deps);
    await scoreCommand(
      { inputs, scenarios: opts.scenarios as string[], coherence: opts.coherence !== false, concurrency: opts.concurrency as number },
      { ...deps, judge, engineVersion: engineVersion() },
    );
  });

  judgeFlags(
    program
      .command('calibrate')
      .description("run a judge on every scenario's pass and fail fixtures: accuracy and Cohen's kappa; exit 1 if a scenario is flagged")
      .argument('[paths...]', 'scenario files or folders', DEFAULT_SCENARIOS),
  ).action(async (paths: string[], opts: Record<string, unknown>) => {
    const [{ makeJudge }, { calibrateCommand }] = await Promise.all([import('./judge-options.js'), import('./commands/calibrate.js')]);
    const judge = makeJudge(judgeOptions(opts), deps);
    const c = await calibrateCommand({ paths }, { ...deps, judge });
    if (c.flagged.length > 0) result.exitCode = 1;
  });

  const importCmd = program.command('import').description('import published multi-turn datasets as scenarios (and published responses as a run)');
  const runImport = async (format: 'multichallenge' | 'mtbench', input: string, opts: Record<string, unknown>) => {
    const { importCommand } = await import('./commands/import.js');
    const r = await importCommand(
      { format, input, responses: (opts.responses as string[] | undefined) ?? [], out: opts.out as string | undefined, runOut: opts.runOut as string | undefined },
      { ...deps, engineVersion: engineVersion() },
    );
    // Bad rows were reported and skipped; the good ones imported. Still bad input: exit 2.
    if (r.bad.length > 0) result.exitCode = 2;
  };
  importCmd
    .command('multichallenge')
    .description('MultiChallenge questions -> prefilled-history scenarios; --responses files (one per model) -> an imported run to score, report and diff')
    .argument('<questions>', 'benchmark_questions.jsonl')
    .option('--responses <files...>', 'response files, one per model (the file name is the model name)')
    .option('--out <dir>', 'where scenario files go (default transcripts/imported/multichallenge)')
    .option('--run-out <dir>', 'where the imported run directory goes (default transcripts)')
    .action((input: string, opts: Record<string, unknown>) => runImport('multichallenge', input, opts));
  importCmd
    .command('mtbench')
    .description('MT-Bench questions -> scenarios replayed turn by turn with live history')
    .argument('<questions>', 'question.jsonl')
    .option('--out <dir>', 'where scenario files go (default transcripts/imported/mtbench)')
    .action((input: string, opts: Record<string, unknown>) => runImport('mtbench', input, opts));

  program
    .command('merge')
    .description('join the shard directories of one plan (run --shard k/n) into one run directory')
    .argument('<shards...>', 'shard run directories, all n of them')
    .requiredOption('--out <dir>', 'the merged run directory to create')
    .action(async (shards: string[], opts: { out: string }) => {
      const [{ RunStore }, { mergeShards }, { safeName }, { UsageError }] = await Promise.all([
        import('../transcript/run-store.js'),
        import('../transcript/merge.js'),
        import('../plan/plan.js'),
        import('../errors.js'),
      ]);
      const outDir = resolve(deps.cwd, opts.out);
      const store = new RunStore(outDir);
      if (existsSync(store.path('manifest.json'))) throw new UsageError(`${opts.out} already holds a run; merge into a new directory`);
      const m = await mergeShards(shards.map((s) => resolve(deps.cwd, s)), store, safeName(basename(outDir)), deps.now);
      deps.output.out(`merged ${shards.length} shards into ${opts.out}: ${m.counts.conversations} conversations (${m.counts.complete} complete), status ${m.status}`);
    });

  program
    .command('report')
    .description('aggregate scored runs: per-scenario tables, summaries, paired comparisons, effect checks; --fail-if gates exit 1')
    .argument('<runs...>', 'scored run directories')
    .option('--judge <id>', 'which scores file to read (scores/<id>.json); needed when a run has several')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'markdown', 'csv', 'json', 'html']).default('table'))
    .option('--out <file>', 'write to a file (html defaults to <run>/report.html)')
    .option('--fail-if <expr>', 'exit 1 when this holds, e.g. "mem_fail_rate > 0.2" (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .action(async (runs: string[], opts: Record<string, unknown>) => {
      const { reportCommand } = await import('./commands/report.js');
      const report = await reportCommand(
        { runs, judge: opts.judge as string | undefined, format: opts.format as string, out: opts.out as string | undefined, failIf: opts.failIf as string[] },
        deps,
      );
      if (report.gates.some((g) => g.failed)) result.exitCode = 1;
    });

  program
    .command('diff')
    .description('step-aligned diff of two transcripts, or of two runs matched by scenario and repeat')
    .argument('<a>', 'a transcript file or run directory')
    .argument('<b>', 'a transcript file or run directory')
    .addOption(new Option('--format <format>', 'output format').choices([...DIFF_FORMATS]).default('text'))
    .option('--judge <id>', 'whose mem_fail verdicts to show, when a run has several scores files')
    .option('--scenarios <paths...>', 'the suite for transcripts outside a run directory', DEFAULT_SCENARIOS)
    .option('--out <file>', 'write to a file')
    .action(async (a: string, b: string, opts: Record<string, unknown>) => {
      const { diffCommand } = await import('./commands/diff.js');
      await diffCommand({ a, b, format: opts.format as string, judge: opts.judge as string | undefined, out: opts.out as string | undefined, scenarios: opts.scenarios as string[] }, deps);
    });

  return program;
}
