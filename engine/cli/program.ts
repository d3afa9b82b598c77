import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Argument, Command, type CommandUnknownOpts, type Help, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { UsageError } from '../errors.js';
import { MEMORY_LAYERS } from '../memory/index.js';
import { EFFORT_LEVELS, EFFORTS } from '../models/efforts.js';
import { DEFAULT_TIMEOUTS, type Timeouts } from '../providers/timeouts.js';
import { engineVersion, packageRoot } from '../paths.js';
import { DEFAULT_INSTANCE_CAP } from '../scenario/template.js';
import type { JudgeOptions } from './judge-options.js';
import { LOG_LEVELS, type LogFormat, type LogLevel } from './log-levels.js';
import type { Logger } from './logger.js';
import type { Output } from './output.js';

// Commands load their modules when they run, not at start-up: `driftbench --help` and a quick
// `validate` should not pay for the SDK, pino and every stage (BENCHMARKS.md, CLI start-up).
// Options are typed by commander itself (@commander-js/extra-typings infers each action's
// options from its declarations), so no action casts what it was given.

/** The side effects a CLI invocation may use. Tests pass their own. */
export interface CliDeps {
  output: Output;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => number;
  /** Built from --log-format / --log-level once options are parsed. */
  makeLogger?: (format: LogFormat, level: LogLevel) => Logger;
  /** Subscribes to SIGINT and SIGTERM; returns an unsubscribe. Tests leave it out. */
  onInterrupt?: (handler: (signal?: 'SIGINT' | 'SIGTERM') => void) => () => void;
  /** The terminal stream for a progress bar, when there is one. */
  progressStream?: NodeJS.WriteStream;
}

/** What an action decided, read by runCli: actions never touch process.exitCode themselves. */
export interface CliResult {
  exitCode: number;
  /** The command that ran (`driftbench run`), so that a usage error can point to its help. */
  command?: string;
}

const DIFF_FORMATS = ['text', 'markdown', 'json', 'html'] as const;
const REPORT_FORMATS = ['table', 'markdown', 'csv', 'json', 'html'] as const;
const CALIBRATE_FORMATS = ['table', 'json'] as const;
const DEFAULT_SCENARIOS = ['scenarios'];
const DEFAULT_JUDGE = 'claude-sonnet-4-6';
/** The memory conditions --condition takes: the registry of memory layers, not a copy of it. */
const CONDITIONS = Object.keys(MEMORY_LAYERS);

const intArg = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}`);
  return n;
};
const numberArg = (name: string, example: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number of at least 0, e.g. ${example}`);
  return n;
};
/** A number of seconds above 0, fractions allowed (the tests use --idle-timeout 0.3). */
const secondsArg = (name: string, example: string) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number of seconds above 0, e.g. ${example}`);
  return n;
};
/**
 * The three limits of one attempt (README, Reliability; providers/timeouts.ts), for every command
 * whose requests stream: run, and the LLM judge of score and calibrate.
 */
const TIMEOUT_OPTIONS = {
  connect: () =>
    new Option('--connect-timeout <s>', 'seconds to wait for a response to begin (its headers); then the attempt is retried')
      .argParser(secondsArg('--connect-timeout', '60'))
      .default(DEFAULT_TIMEOUTS.headersMs / 1000),
  idle: () =>
    new Option('--idle-timeout <s>', 'seconds a stream may send nothing but pings; then the attempt is retried (generous for long thinking: README, Reliability)')
      .argParser(secondsArg('--idle-timeout', '300'))
      .default(DEFAULT_TIMEOUTS.idleMs / 1000),
  attempt: () =>
    new Option('--attempt-timeout <s>', 'seconds one attempt may take in all, however steadily it streams; then it is retried')
      .argParser(secondsArg('--attempt-timeout', '3600'))
      .default(DEFAULT_TIMEOUTS.attemptMs / 1000),
};
/** The timeout options, in milliseconds. */
const timeoutsOf = (o: { connectTimeout: number; idleTimeout: number; attemptTimeout: number }): Timeouts => ({
  headersMs: o.connectTimeout * 1000,
  idleMs: o.idleTimeout * 1000,
  attemptMs: o.attemptTimeout * 1000,
});
const listArg = (v: string, prev: string[] | undefined) => [
  ...(prev ?? []),
  ...v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
];
const repeatable = (v: string, prev: string[]) => [...prev, v];

/** A number from the environment, for test and benchmark knobs that are not user options. */
const envNumber = (env: NodeJS.ProcessEnv, name: string) => (env[name] ? Number(env[name]) : undefined);

/**
 * An option whose default is decided when the command runs (it depends on a key, a run, a
 * profile): help shows it as `(default: ...)` like every other default.
 */
function laterDefault<const Flags extends string>(flags: Flags, description: string, defaultText: string) {
  const option = new Option(flags, description);
  option.defaultValueDescription = defaultText;
  return option;
}

/**
 * A comma-separated, repeatable option whose items come from a fixed list: help shows the list
 * as choices. The list is only shown here (commander would check the whole `a,b` value against
 * it); the command checks each item and says which one is wrong.
 */
function listOf<const Flags extends string>(flags: Flags, description: string, values: readonly string[], defaultText?: string) {
  const option = new Option(flags, description).choices(values).argParser(listArg);
  option.defaultValueDescription = defaultText;
  return option;
}

/** The axis presets' names, for help; `run` reads and validates engine/data/axes.json itself when it uses one. */
const axisNames = (): string[] => Object.keys(JSON.parse(readFileSync(join(packageRoot(), 'engine', 'data', 'axes.json'), 'utf8')) as object);

/**
 * Choices and defaults written one way in every command's help, `(choices: a, b; default: x)`,
 * without commander's JSON quotes, whether the default is a value or a sentence.
 */
const describeWith = (description: string, choices: readonly string[] | undefined, defaultText: string | undefined) => {
  const extra = [...(choices?.length ? [`choices: ${choices.join(', ')}`] : []), ...(defaultText ? [`default: ${defaultText}`] : [])];
  return extra.length > 0 ? `${description} (${extra.join('; ')})` : description;
};
const plainDefault = (v: unknown) => (v === undefined || v === false || (Array.isArray(v) && v.length === 0) ? undefined : Array.isArray(v) ? v.join(' ') : String(v));
const HELP: Partial<Help> = {
  optionDescription: (o) => describeWith(o.description, o.argChoices, o.defaultValueDescription ?? (o.required || o.optional ? plainDefault(o.defaultValue) : undefined)),
  argumentDescription: (a: Argument) => describeWith(a.description, a.argChoices, a.defaultValueDescription ?? plainDefault(a.defaultValue)),
};

/** The stages in order, at the top of `driftbench --help`. */
const FLOW = `
The flow: validate -> run -> score -> report (or diff)
  validate   check the scenario files (scenarios/ by default)
  run        replay them against models; writes transcripts/<run>/
  score      judge the transcripts offline; writes <run>/scores/<judge>.json
  report     figures, comparisons and --fail-if gates from the scores
  diff       two transcripts or two runs, step by step

Examples:
  driftbench validate
  driftbench run --axis opus-5.5-vs-4.7 --repeats 3
  driftbench score latest --judge heuristic
  driftbench report latest --fail-if "mem_fail_rate > 0.2"
  driftbench run --report        # run, score and report in one go

Each command's options and examples: driftbench <command> --help`;

/** One or two real invocations per command, shown under its help (README, CLI reference). */
export const EXAMPLES: Record<string, readonly string[]> = {
  validate: ['driftbench validate', 'driftbench validate scenarios/t1-cascading-migration.yaml'],
  list: ['driftbench list', 'driftbench list test/fixtures/valid-suite'],
  expand: ['driftbench expand scenarios/t1-cascading-migration.yaml --instances 4 --seed 1 --out t1-instances'],
  run: ['driftbench run --axis opus-5.5-vs-4.7 --task T1 --dry-run', 'driftbench run --models claude-opus-5-5 --effort low,high --condition mem0'],
  plan: ['driftbench plan --difference 0.2 --scenarios scenarios', 'driftbench plan transcripts/<run> --difference 0.15 --repeats 5'],
  models: ['driftbench models', 'driftbench models --models claude-opus-5-5,claude-opus-4-7 --format json'],
  score: ['driftbench score latest --judge heuristic', 'driftbench score transcripts/<run> --judge claude-sonnet-4-6 --judge-samples 3'],
  calibrate: ['driftbench calibrate --judge heuristic', 'driftbench calibrate --labels labels.jsonl --format json --out calib.json'],
  import: ['driftbench import mtbench question.jsonl', 'driftbench import multichallenge questions.jsonl --responses gpt-4o.jsonl'],
  'import multichallenge': ['driftbench import multichallenge benchmark_questions.jsonl', 'driftbench import multichallenge questions.jsonl --responses gpt-4o.jsonl'],
  'import mtbench': ['driftbench import mtbench question.jsonl --out scenarios/mtbench'],
  merge: ['driftbench merge transcripts/shard-1 transcripts/shard-2 --out transcripts/all'],
  report: ['driftbench report latest', 'driftbench report latest --format html --fail-if "mem_fail_rate > 0.2"'],
  diff: ['driftbench diff transcripts/<a> transcripts/<b>', 'driftbench diff transcripts/<a> transcripts/<b> --format html --out diff.html'],
};

/** A command's name as typed: `driftbench import mtbench`. */
function commandPath(cmd: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let c: CommandUnknownOpts | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Every command below `cmd`: its examples under its help, and after a usage error the line
 * `see: driftbench <command> --help` (runCli adds the same line after a UsageError).
 */
function finishHelp(cmd: CommandUnknownOpts): void {
  const path = commandPath(cmd);
  cmd.showHelpAfterError(`see: ${path} --help`);
  const examples = EXAMPLES[path.replace(/^driftbench ?/, '')];
  if (examples) cmd.addHelpText('after', `\nExample${examples.length === 1 ? '' : 's'}:\n${examples.map((e) => `  ${e}`).join('\n')}`);
  for (const sub of cmd.commands) finishHelp(sub);
}

/** bin only parses arguments: each action hands typed options and deps to a command function. */
export function buildProgram(deps: CliDeps, result: CliResult = { exitCode: 0 }) {
  const program = new Command('driftbench')
    .description('Finds out whether a language model keeps, late in a conversation, what it established early.')
    .version(engineVersion(), '-V, --version')
    .addOption(new Option('--log-format <format>', 'log lines: pretty on a terminal, json when piped').choices(['auto', 'pretty', 'json'] as const).default('auto' as const))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info' as const))
    .configureHelp(HELP)
    .addHelpText('after', FLOW)
    .configureOutput({
      writeOut: (s) => deps.output.out(s.replace(/\n$/, '')),
      writeErr: (s) => deps.output.err(s.replace(/\n$/, '')),
      getOutHelpWidth: () => deps.output.columns ?? 80,
      getErrHelpWidth: () => deps.output.columns ?? 80,
    })
    .exitOverride()
    .hook('preAction', (_program, action) => {
      result.command = commandPath(action);
    });

  const logger = async (): Promise<Logger> => {
    const o = program.opts();
    if (deps.makeLogger) return deps.makeLogger(o.logFormat, o.logLevel);
    const { createLogger } = await import('./logger.js');
    return createLogger({ format: o.logFormat, level: o.logLevel, color: deps.output.color });
  };

  program
    .command('validate')
    .description('check scenario files against the schema and each other; exit 2 on any problem')
    .argument('[paths...]', 'scenario files or folders', DEFAULT_SCENARIOS)
    .action(async (paths) => {
      (await logger()).debug({ paths }, 'validate');
      const { validateCommand } = await import('./commands/validate.js');
      await validateCommand({ paths }, deps);
    });

  program
    .command('expand')
    .description('write the instances of a template as plain scenario files (run takes a template directly; this is for reading and checking them in)')
    .argument('<template>', 'a scenario file that declares variables')
    .addOption(laterDefault('--instances <n>', 'how many instances', `every combination, up to ${DEFAULT_INSTANCE_CAP}`).argParser(intArg('--instances', 1)))
    .addOption(laterDefault('--seed <n>', 'the seed that draws them', '0').argParser(intArg('--seed', 0)))
    .addOption(laterDefault('--out <dir>', 'the folder to write them to', '<template id>-instances'))
    .action(async (template, o) => {
      const { expandCommand } = await import('./commands/expand.js');
      await expandCommand({ template, instances: o.instances, seed: o.seed, out: o.out }, deps);
    });

  program
    .command('list')
    .description('list scenarios, a family to a row: id, title, instances, category, steps, constraints, trap step')
    .argument('[paths...]', 'scenario files or folders', DEFAULT_SCENARIOS)
    .action(async (paths) => {
      const { listCommand } = await import('./commands/list.js');
      await listCommand({ paths }, deps);
    });

  program
    .command('run')
    .description('replay scenarios against models as multi-turn conversations and write transcripts')
    .argument('[paths...]', 'scenario files or folders', DEFAULT_SCENARIOS)
    .addOption(laterDefault('--provider <name>', 'anthropic, openrouter or rehearsal', 'anthropic with ANTHROPIC_API_KEY, else rehearsal'))
    .option('--base-url <url>', 'any Anthropic-compatible endpoint (implies --provider anthropic)')
    .addOption(
      laterDefault('--axis <axis>', 'a preset from engine/data/axes.json (see the README)', 'the axes model and effort')
        .choices(axisNames())
        // Shown, not checked here: run names the unknown axis and the known ones itself.
        .argParser((v) => v),
    )
    .option('--models <list>', 'models to run, comma-separated (repeatable)', listArg)
    .addOption(listOf('--effort <list>', "effort levels, comma-separated (repeatable); default sends none (the model's own), standard is the same", EFFORTS))
    .option('--task <task>', 'run only this task code or scenario id (repeatable)', listArg, [] as string[])
    .addOption(laterDefault('--repeats <n>', 'conversations per scenario and cell', "3, or the matrix file's").argParser(intArg('--repeats', 1)))
    .option('--concurrency <n>', 'conversations at once; steps within one stay sequential', intArg('--concurrency', 1), 4)
    .option('--max-retries <n>', 'retries per turn after the first attempt (README, Retries)', intArg('--max-retries', 0), 4)
    .addOption(TIMEOUT_OPTIONS.connect())
    .addOption(TIMEOUT_OPTIONS.idle())
    .addOption(TIMEOUT_OPTIONS.attempt())
    .option('--matrix <file>', 'a matrix file (schemas/matrix.schema.json) with models, efforts, repeats, tasks')
    .option('--temperature <t>', 'sent only to models whose profile accepts it; recorded as dropped otherwise', numberArg('--temperature', '0.7'))
    .option('--out <dir>', 'where run directories go', 'transcripts')
    .addOption(laterDefault('--run-name <name>', 'the run directory name', 'a timestamp and the axis'))
    .option('--resume <run-dir>', 'continue a run where it stopped; nothing completed is requested again')
    .option('--max-cost <usd>', "a hard budget: reserve each turn's worst case before sending; never go over", numberArg('--max-cost', '25'))
    .option('--dry-run', 'print the plan and its estimated cost per cell and in total; send nothing')
    .option('--no-prompt-cache', 'do not put a cache_control breakpoint on the newest turn')
    .option('--shard <k/n>', 'run only shard k of n of the plan (deterministic); join shards with driftbench merge')
    .option('--batch', 'use the Message Batches API (half price): one batch per step for all conversations')
    .addOption(listOf('--condition <list>', 'memory conditions to run, comma-separated (repeatable), a run axis', CONDITIONS, 'baseline'))
    .option('--distance <list>', 'distractor exchanges between a constraint and its trap (0,10,50), or a token budget of them (12k,50k); a run axis', listArg)
    .addOption(laterDefault('--instances <n>', 'instances per template', `every combination, up to ${DEFAULT_INSTANCE_CAP}`).argParser(intArg('--instances', 1)))
    .addOption(laterDefault('--seed <n>', 'the seed that draws instances from a template', '0').argParser(intArg('--seed', 0)))
    .option('--report', 'when the run ends: score it (the heuristic judge offline, else --judge) and print the report; scoring stays its own pass, rerun it any time')
    .addOption(laterDefault('--judge <judge>', 'with --report: the judge to score with', `heuristic offline, ${DEFAULT_JUDGE} with a key`))
    .action(async (paths, opts) => {
      const { logLevel } = program.opts();
      const log = await logger();
      const { runAction } = await import('./commands/run.js');
      // run --report: run, then score, then report, as the three commands would.
      const then =
        opts.report === true && opts.dryRun !== true
          ? async (dir: string) => {
              const [{ makeJudge }, { scoreCommand }, { reportCommand }] = await Promise.all([
                import('./judge-options.js'),
                import('./commands/score.js'),
                import('./commands/report.js'),
              ]);
              const offline = opts.provider === 'rehearsal' || (opts.provider === undefined && opts.baseUrl === undefined && !deps.env.ANTHROPIC_API_KEY?.trim());
              const judge = await makeJudge(
                { judge: opts.judge ?? (offline ? 'heuristic' : undefined), samples: 1, cache: true, maxRetries: opts.maxRetries, timeouts: timeoutsOf(opts) },
                deps,
              );
              deps.output.out('');
              await scoreCommand({ inputs: [dir], scenarios: [], coherence: true, concurrency: 8 }, { ...deps, judge, engineVersion: engineVersion() });
              deps.output.out('');
              const report = await reportCommand({ runs: [dir], format: 'table', failIf: [] }, deps);
              return report.gates.some((g) => g.failed) ? 1 : 0;
            }
          : undefined;
      result.exitCode = await runAction(
        {
          paths,
          provider: opts.provider,
          baseUrl: opts.baseUrl,
          axis: opts.axis,
          models: opts.models,
          efforts: opts.effort,
          tasks: opts.task,
          repeats: opts.repeats,
          concurrency: opts.concurrency,
          maxRetries: opts.maxRetries,
          matrix: opts.matrix,
          out: opts.out,
          runName: opts.runName,
          resume: opts.resume,
          temperature: opts.temperature,
          retryBaseMs: envNumber(deps.env, 'DRIFTBENCH_RETRY_BASE_MS'),
          timeouts: timeoutsOf(opts),
          maxCost: opts.maxCost,
          dryRun: opts.dryRun === true,
          promptCache: opts.promptCache,
          shard: opts.shard,
          batch: opts.batch === true,
          batchPollMs: envNumber(deps.env, 'DRIFTBENCH_BATCH_POLL_MS'),
          conditions: opts.condition,
          distances: opts.distance,
          instances: opts.instances,
          seed: opts.seed,
        },
        { ...deps, log, engineVersion: engineVersion(), quietBar: logLevel === 'debug' || logLevel === 'trace', then },
      );
    });

  program
    .command('plan')
    .description('before a run: how many scenarios and repeats give the power to detect a difference, with the design effect spelled out')
    .argument('[run]', 'a scored run to estimate the within-scenario correlation and the baseline rate from')
    .requiredOption('--difference <d>', 'the difference in mem_fail rate to detect, e.g. 0.2 for 20 percentage points', numberArg('--difference', '0.2'))
    .addOption(laterDefault('--baseline <p>', 'the failure rate of the better cell', 'from the run given, else 0.3').argParser(numberArg('--baseline', '0.3')))
    .addOption(laterDefault('--icc <r>', 'the within-scenario correlation', 'estimated from the run given, else 0.35').argParser(numberArg('--icc', '0.35')))
    .option('--repeats <n>', 'repeats per scenario', intArg('--repeats', 1), 3)
    .option('--power <p>', 'the power wanted', numberArg('--power', '0.8'), 0.8)
    .option('--alpha <a>', 'the significance level', numberArg('--alpha', '0.05'), 0.05)
    .option('--judge <id>', 'which scores file of the run to read')
    .option('--scenarios <paths>', 'a suite to plan for: its families, and the instances and repeats per family a difference needs', listArg)
    .action(async (run, o) => {
      const { planCommand } = await import('./commands/plan.js');
      await planCommand(
        { run, judge: o.judge, difference: o.difference, baseline: o.baseline, icc: o.icc, repeats: o.repeats, power: o.power, alpha: o.alpha, scenarios: o.scenarios },
        deps,
      );
    });

  program
    .command('models')
    .description('list the models the endpoint offers (or the shipped profiles offline): capabilities, prices, lifecycle')
    .option('--models <list>', 'only these models, comma-separated (repeatable); an unknown one exits 2', listArg)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json'] as const).default('table' as const))
    .addOption(laterDefault('--provider <name>', 'anthropic, openrouter or rehearsal', 'anthropic with ANTHROPIC_API_KEY, else the shipped profiles'))
    .option('--base-url <url>', 'any Anthropic-compatible endpoint (implies --provider anthropic)')
    .action(async (o) => {
      const { modelsAction } = await import('./commands/models.js');
      await modelsAction({ format: o.format, models: o.models, provider: o.provider, baseUrl: o.baseUrl }, deps);
    });

  const judgeOptions = (opts: {
    judge?: string;
    judgeSamples: number;
    judgeTieBreak?: string;
    judgeProvider?: string;
    judgeBaseUrl?: string;
    judgeEffort?: 'low' | 'medium' | 'high' | 'xhigh' | 'max';
    cacheDir?: string;
    cache: boolean;
    maxRetries: number;
    connectTimeout: number;
    idleTimeout: number;
    attemptTimeout: number;
  }): JudgeOptions => ({
    judge: opts.judge,
    samples: opts.judgeSamples,
    tieBreak: opts.judgeTieBreak,
    provider: opts.judgeProvider,
    baseUrl: opts.judgeBaseUrl,
    effort: opts.judgeEffort,
    cacheDir: opts.cacheDir,
    cache: opts.cache,
    maxRetries: opts.maxRetries,
    timeouts: timeoutsOf(opts),
  });

  withJudgeFlags(
    program
      .command('score')
      .description('score saved transcripts offline (mem_fail, citations, self-corrections, retention, drift, coherence, latency, cost); writes <run>/scores/<judge>.json')
      .argument('[inputs...]', 'run directories or transcript files; latest (or none) for the newest run under transcripts/')
      .option('--scenarios <paths...>', 'the suite for transcripts outside a run directory', DEFAULT_SCENARIOS)
      .option('--no-coherence', 'skip the per-step coherence judgements (one judge call per step)')
      .option('--concurrency <n>', 'transcripts scored at once', intArg('--concurrency', 1), 8),
  ).action(async (inputs, opts) => {
    const [{ makeJudge }, { scoreCommand }] = await Promise.all([import('./judge-options.js'), import('./commands/score.js')]);
    const judge = await makeJudge(judgeOptions(opts), deps);
    await scoreCommand({ inputs, scenarios: opts.scenarios, coherence: opts.coherence, concurrency: opts.concurrency }, { ...deps, judge, engineVersion: engineVersion() });
  });

  withJudgeFlags(
    program
      .command('calibrate')
      .description(
        "with --labels FILE: a judge against people's verdicts on labelled transcripts (sensitivity, specificity, kappa, agreement per cell); without: the fixture smoke test, every scenario's pass and fail fixtures (exit 1 if a scenario is flagged)",
      )
      .argument('[paths...]', 'scenario files or folders (with --labels: the suite for labelled transcripts outside a run directory)', DEFAULT_SCENARIOS)
      .option('--labels <file>', 'a labelled set: JSONL, one {"transcript": PATH, "verdict": "YES"|"NO"} per line (schemas/labels.schema.json)')
      .addOption(new Option('--format <format>', 'output format (with --labels)').choices(CALIBRATE_FORMATS).default('table' as const))
      .option('--out <file>', 'write the output to a file instead of stdout (with --labels)')
      .option('--concurrency <n>', 'labelled transcripts judged at once', intArg('--concurrency', 1), 8),
  ).action(async (paths, opts) => {
    const [{ makeJudge }, { calibrateCommand, calibrateLabelsCommand }] = await Promise.all([import('./judge-options.js'), import('./commands/calibrate.js')]);
    if (opts.labels === undefined) {
      if (opts.format !== 'table' || opts.out !== undefined)
        throw new UsageError(`${opts.out !== undefined ? '--out' : `--format ${opts.format}`} needs --labels FILE: the fixture smoke test prints a table only`);
      const judge = await makeJudge(judgeOptions(opts), deps);
      const c = await calibrateCommand({ paths }, { ...deps, judge });
      if (c.flagged.length > 0) result.exitCode = 1;
      return;
    }
    await calibrateLabelsCommand(
      { labels: opts.labels, scenarios: paths, format: opts.format, out: opts.out, concurrency: opts.concurrency },
      { ...deps, makeJudge: () => makeJudge(judgeOptions(opts), deps), engineVersion: engineVersion() },
    );
  });

  const importCmd = program.command('import').description('import published multi-turn datasets as scenarios (and published responses as a run)');
  const runImport = async (o: { format: 'multichallenge' | 'mtbench'; input: string; responses?: string[]; out?: string; runOut?: string }) => {
    const { importCommand } = await import('./commands/import.js');
    const r = await importCommand({ format: o.format, input: o.input, responses: o.responses ?? [], out: o.out, runOut: o.runOut }, { ...deps, engineVersion: engineVersion() });
    // Bad rows were reported and skipped; the good ones imported. Still bad input: exit 2.
    if (r.bad.length > 0) result.exitCode = 2;
  };
  importCmd
    .command('multichallenge')
    .description('MultiChallenge questions -> prefilled-history scenarios; --responses files (one per model) -> an imported run to score, report and diff')
    .argument('<questions>', 'benchmark_questions.jsonl')
    .option('--responses <files...>', 'response files, one per model (the file name is the model name)')
    .addOption(laterDefault('--out <dir>', 'where scenario files go', 'transcripts/imported/multichallenge'))
    .addOption(laterDefault('--run-out <dir>', 'where the imported run directory goes', 'transcripts'))
    .action((input, opts) => runImport({ format: 'multichallenge', input, ...opts }));
  importCmd
    .command('mtbench')
    .description('MT-Bench questions -> scenarios replayed turn by turn with live history')
    .argument('<questions>', 'question.jsonl')
    .addOption(laterDefault('--out <dir>', 'where scenario files go', 'transcripts/imported/mtbench'))
    .action((input, opts) => runImport({ format: 'mtbench', input, ...opts }));

  program
    .command('merge')
    .description('join the shard directories of one plan (run --shard k/n) into one run directory')
    .argument('<shards...>', 'shard run directories, all n of them')
    .requiredOption('--out <dir>', 'the merged run directory to create')
    .action(async (shards, opts) => {
      const { mergeCommand } = await import('./commands/merge.js');
      await mergeCommand({ shards, out: opts.out }, deps);
    });

  program
    .command('report')
    .description('aggregate scored runs: per-scenario tables, summaries, paired comparisons, effect checks; --fail-if gates exit 1')
    .argument('[runs...]', 'scored run directories; latest (or none) for the newest run under transcripts/')
    .option('--judge <id>', 'which scores file to read (scores/<id>.json); needed when a run has several')
    .addOption(new Option('--format <format>', 'output format').choices(REPORT_FORMATS).default('table' as const))
    .addOption(laterDefault('--out <file>', 'write to a file instead of stdout', 'stdout; html: <run>/report.html'))
    .option(
      '--fail-if <expr>',
      'exit 1 when this holds, e.g. "mem_fail_rate > 0.2" or "A vs B regresses" (repeatable); rates decide on their 95% interval',
      repeatable,
      [] as string[],
    )
    .option('--fail-if-inconclusive', 'a gate whose interval straddles its threshold fails too (strict CI)')
    .option('--allow-partial', 'gate a report that covers only some conversations of a run (by default such gates are refused and fail)')
    .option('--primary <comparison>', 'one comparison declared in advance, "A vs B": reported first and not adjusted for multiplicity')
    .option('--judge-calibration <file>', 'a calibration (calibrate --labels --format json): rates are also shown corrected for judge error (Rogan-Gladen)')
    .option('--exclude-fallback', 'leave out conversations with turns answered by another model than the one requested (a fallback), from every figure, comparison and gate')
    .action(async (runs, opts) => {
      const { reportCommand } = await import('./commands/report.js');
      const fallback = opts.excludeFallback === true ? 'exclude' : 'include';
      const report = await reportCommand(
        {
          runs,
          judge: opts.judge,
          format: opts.format,
          out: opts.out,
          failIf: opts.failIf,
          fallback,
          primary: opts.primary,
          failIfInconclusive: opts.failIfInconclusive === true,
          allowPartial: opts.allowPartial === true,
          judgeCalibration: opts.judgeCalibration,
        },
        deps,
      );
      if (report.gates.some((g) => g.failed)) result.exitCode = 1;
    });

  program
    .command('diff')
    .description('step-aligned diff of two transcripts, or of two runs matched by scenario and repeat: a summary, then the pairs that changed')
    .argument('<a>', 'a transcript file or run directory')
    .argument('<b>', 'a transcript file or run directory')
    .addOption(new Option('--format <format>', 'output format').choices(DIFF_FORMATS).default('text' as const))
    .option('--judge <id>', 'whose mem_fail verdicts to show, when a run has several scores files')
    .option('--scenarios <paths...>', 'the suite for transcripts outside a run directory', DEFAULT_SCENARIOS)
    .option('--out <file>', 'write to a file')
    .option('--all', 'two runs: show every pair after the summary, not only the ones that changed (html always holds every pair)')
    .action(async (a, b, opts) => {
      const { diffCommand } = await import('./commands/diff.js');
      await diffCommand({ a, b, format: opts.format, judge: opts.judge, out: opts.out, scenarios: opts.scenarios, all: opts.all === true }, deps);
    });

  finishHelp(program);
  return program;
}

/** The judge's options, shared by score and calibrate. */
function withJudgeFlags<Args extends unknown[], Opts extends Record<string, unknown>>(cmd: Command<Args, Opts>) {
  return cmd
    .addOption(
      laterDefault('--judge <judge>', 'heuristic (offline: probes and trap cues), a judge model, or a comma-separated panel', `${DEFAULT_JUDGE} with a key, heuristic without`),
    )
    .option('--judge-samples <k>', 'judge each prompt k times and take the majority (odd, or give --judge-tie-break)', intArg('--judge-samples', 1), 1)
    .option('--judge-tie-break <model>', 'a judge model asked only when the votes tie; its vote decides (needed for an even number of samples or panel models)')
    .addOption(laterDefault('--judge-provider <name>', 'anthropic or openrouter', 'anthropic'))
    .option('--judge-base-url <url>', 'any Anthropic-compatible endpoint for the judge')
    .addOption(laterDefault('--judge-effort <level>', "the judge's effort, always sent", "the judge model's own, from its profile").choices(EFFORT_LEVELS))
    .addOption(laterDefault('--cache-dir <dir>', 'the judge cache', '$DRIFTBENCH_CACHE_DIR, else .driftbench-cache/judge'))
    .option('--no-cache', 'judge again instead of reading cached verdicts (new verdicts replace cached ones)')
    .option('--max-retries <n>', 'retries per judge call after the first attempt', intArg('--max-retries', 0), 4)
    .addOption(TIMEOUT_OPTIONS.connect())
    .addOption(TIMEOUT_OPTIONS.idle())
    .addOption(TIMEOUT_OPTIONS.attempt());
}
