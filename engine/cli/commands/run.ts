import { mkdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TranscriptError, UsageError } from '../../errors.js';
import type { ResolvedModel } from '../../models/capabilities.js';
import { EFFORTS, findProfile, isDefaultEffort, isRehearsalModel, loadProfiles, supportsEffort, type Effort, type Profile } from '../../models/profiles.js';
import { buildPlan, loadAxes, publicBaseUrl, safeName, selectScenarios, unionCells, type Cell, type Matrix, type Plan } from '../../plan/plan.js';
import { estimatePlan, estimatedScenarioTokens, type CellEstimate, type ScenarioTokens } from '../../plan/estimate.js';
import { distractorAnchor, distractorsFor, distractorsForTokens, exchangeTokens, loadDistractors } from '../../plan/distractors.js';
import { parseShard, shardPlan } from '../../plan/shard.js';
import { boxTable } from '../../report/table.js';
import { modelNamesOf, readAnswers } from '../../report/build-report.js';
import { cellName, fallbackCells, fallbackCount } from '../../report/fallback.js';
import type { FallbackCell } from '../../schemas/report.generated.js';
import type { LoadedScenario } from '../../scenario/scenario.js';
import { MEMORY_LAYERS, memorySettingsFrom } from '../../memory/index.js';
import type { Timeouts } from '../../providers/timeouts.js';
import type { Provider } from '../../providers/types.js';
import { systemClock, type ReplayContext, type StopControl } from '../../replay/context.js';
import type { ReplayEvents } from '../../replay/events.js';
import { resumeRun, startRun } from '../../replay/run.js';
import { needsBaseUrl, resumeCommand as resumeCommandFor, shellWord } from '../../replay/resume-command.js';
import { loadSuite } from '../../scenario/scenario-files.js';
import { validatorFor } from '../../schemas/compile.js';
import type { RunManifest } from '../../transcript/format.js';
import { parseTranscript, readTranscriptText, RunStore } from '../../transcript/run-store.js';
import { acquireRunLock } from '../../transcript/run-lock.js';
import type { Logger as ApiLogger } from '../../log.js';
import type { Logger } from '../logger.js';
import type { Output } from '../output.js';
import { configuredSecrets, lookUpModels, makeProvider, providerKey } from '../provider.js';

export interface RunOptions {
  paths: string[];
  provider?: string;
  baseUrl?: string;
  axis?: string;
  models?: string[];
  efforts?: string[];
  tasks: string[];
  repeats?: number;
  concurrency: number;
  maxRetries: number;
  matrix?: string;
  out: string;
  runName?: string;
  resume?: string;
  temperature?: number;
  retryBaseMs?: number;
  /** --connect-timeout, --idle-timeout, --attempt-timeout (providers/timeouts.ts); each left out takes its default. */
  timeouts?: Partial<Timeouts>;
  maxCost?: number;
  dryRun?: boolean;
  promptCache?: boolean;
  shard?: string;
  batch?: boolean;
  batchPollMs?: number;
  conditions?: string[];
  distances?: string[];
  /** Instances per template (default: every combination up to a cap) and the seed that draws them. */
  instances?: number;
  seed?: number;
}

export interface RunCommandDeps {
  output: Output;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => number;
  log: Logger | ApiLogger;
  events: ReplayEvents;
  stop: StopControl;
  engineVersion: string;
  /** The clock replay waits on (retries, batch polls); the real one by default. */
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_REPEATS = 3;
/** The axes a run without --axis, --models, --effort or --matrix replays. */
const DEFAULT_AXES = ['model', 'effort'];
/** How often a --batch run asks whether its batch has ended. */
const BATCH_POLL_MS = 30_000;

/** `driftbench run`: plan, replay, write transcripts, print where they are. Returns the manifest. */
export async function runCommand(o: RunOptions, deps: RunCommandDeps): Promise<RunManifest> {
  const profiles = loadProfiles();
  if (o.resume !== undefined) return resume(o, deps, profiles);

  const providerName = chooseProvider(o, deps);
  const matrix = o.matrix !== undefined ? await loadMatrix(abs(deps.cwd, o.matrix)) : undefined;
  const suite = await loadSuite(o.paths, { cwd: deps.cwd, instances: { count: o.instances ?? matrix?.instances, seed: o.seed ?? matrix?.seed } });
  const scenarios = selectScenarios(suite, [...o.tasks, ...(matrix?.tasks ?? [])]);
  let cells = chooseCells(o, matrix);
  if (providerName === 'rehearsal' && !cells.every((c) => isRehearsalModel(c.model))) {
    const efforts = [...new Set(cells.map((c) => c.effort))];
    // Models asked for by name are not run offline: say so, rather than run others silently.
    const named = [...new Set([...(o.models ?? []), ...(matrix?.models ?? [])])].filter((m) => !isRehearsalModel(m));
    if (named.length > 0) {
      deps.output.err(
        `--models ${named.join(',')} is ignored offline: the rehearsal plays rehearsal:pass and rehearsal:fail at the efforts asked for; set ANTHROPIC_API_KEY (or --provider, --base-url) to run ${named.length === 1 ? 'it' : 'them'}.`,
      );
    }
    cells = ['rehearsal:pass', 'rehearsal:fail'].flatMap((model) => efforts.map((effort) => ({ model, effort })));
  }
  const baseUrl = o.baseUrl !== undefined ? publicBaseUrl(o.baseUrl) : null;
  if (o.maxCost !== undefined) {
    const unpriced = [...new Set(cells.map((c) => c.model))].filter((m) => !findProfile(profiles, m)?.prices);
    if (unpriced.length > 0) throw new UsageError(`--max-cost needs a price for every model, and ${unpriced.join(', ')} has none (add it to engine/data/model-profiles.json)`);
  }
  // Every model is looked up before anything is sent: the Models API where the endpoint has one
  // (cached for a day), else the profiles. An unknown or retired model, or an effort a model does
  // not take, is refused here (exit 2), never sent into a 400 or dropped silently.
  const provider = o.dryRun
    ? makeProviderOrNull(providerName, o, deps, o.baseUrl)
    : makeProvider(providerName, { baseUrl: o.baseUrl, maxRetries: o.maxRetries, retryBaseMs: o.retryBaseMs, timeouts: o.timeouts }, deps);
  const resolution = await lookUpModels(
    cells.map((c) => c.model),
    provider,
    profiles,
    deps,
  );
  // Before anything is sent: plain lines a user reads (with a did-you-mean), not log records.
  for (const message of resolution.warnings) deps.output.err(`warning: ${message}`);
  checkEfforts(cells, resolution.models);
  const conditions = o.conditions ?? ['baseline'];
  for (const c of conditions) if (!MEMORY_LAYERS[c]) throw new UsageError(`--condition ${c}: unknown memory condition; choose from ${Object.keys(MEMORY_LAYERS).join(', ')}`);
  // Before the run directory (and its lock) exists: a run that cannot start leaves nothing behind.
  if (conditions.includes('mem0') && !deps.env['MEM0_API_KEY']?.trim())
    throw new UsageError('MEM0_API_KEY is not set: the mem0 condition needs a Mem0 platform API key (https://app.mem0.ai); set MEM0_API_KEY, or choose another --condition');
  const { distances, unit: distanceUnit } = parseDistances(o.distances ?? ['0']);
  if (o.batch && (conditions.some((c) => c !== 'baseline') || distances.some((d) => d > 0))) {
    throw new UsageError('--batch does not combine with --condition or --distance yet; run those streamed');
  }
  const fullPlan = buildPlan({
    conditions,
    distances,
    ...(distanceUnit === 'tokens' ? { distanceUnit } : {}),
    scenarios,
    cells,
    // The rehearsal replays fixed fixtures: a repeat would replay the same replies, so it takes
    // one unless asked, which keeps the offline first run of the whole suite short.
    repeats: o.repeats ?? matrix?.repeats ?? (providerName === 'rehearsal' ? 1 : DEFAULT_REPEATS),
    concurrency: o.concurrency,
    maxRetries: o.maxRetries,
    provider: providerName,
    baseUrl,
    axis: o.axis ?? null,
    options: o.temperature !== undefined ? { sampling: { temperature: o.temperature } } : undefined,
  });
  fullPlan.prompt_cache = o.promptCache !== false;
  fullPlan.max_cost_usd = o.maxCost ?? null;
  fullPlan.mode = o.batch ? 'batch' : 'stream';
  const plan = o.shard !== undefined ? shardPlan(fullPlan, parseShard(o.shard)) : fullPlan;
  if (o.dryRun) return dryRun(plan, scenarios, provider, profiles, o.maxCost, deps);
  const shardTag = plan.shard ? `-shard${plan.shard.index}of${plan.shard.count}` : '';
  const runId = safeName(
    o.runName ?? `${stamp(deps.now())}-${o.axis ?? (o.models || o.efforts || o.matrix ? 'custom' : 'all')}${providerName === 'rehearsal' ? '-rehearsal' : ''}${shardTag}`,
  );
  const store = new RunStore(join(abs(deps.cwd, o.out), runId));
  const alreadyRun = () => new UsageError(`${rel(deps.cwd, store.dir)} already holds a run; resume it with --resume ${rel(deps.cwd, store.dir)}, or pick another --run-name`);
  if (await exists(store.path('manifest.json'))) throw alreadyRun();
  if (!provider) throw new UsageError(`--provider ${providerName} could not be set up`);
  if (o.batch && !provider.batches) throw new UsageError(`--batch needs a provider with the Message Batches API; ${provider.name} has none`);
  const used = scenarios.filter((l) => plan.conversations.some((c) => c.scenario === l.scenario.id));
  await mkdir(store.dir, { recursive: true });
  return withRunLock(store, deps, async () => {
    // Asked again under the lock: two runs given one --run-name at once start it only once.
    if (await exists(store.path('manifest.json'))) throw alreadyRun();
    return startRun(runId, plan, used, replayContext(store, provider, profiles, o, deps), { models: resolution.models });
  });
}

/**
 * Replays under the run directory's lock (issue 17): one live process per run, so a second
 * `run --resume` of it exits 2 ("run in use by pid N") instead of replaying every turn left a
 * second time on a budget of its own. Released when the replay ends, however it ends; on
 * process exit too, as a last resort (a SIGKILL leaves it, and the next run takes it over, since
 * its pid is gone).
 */
async function withRunLock<T>(store: RunStore, deps: { now: () => number }, work: () => Promise<T>): Promise<T> {
  const lock = await acquireRunLock(store.dir, deps.now);
  const onExit = () => lock.releaseSync();
  process.once('exit', onExit);
  try {
    return await work();
  } finally {
    process.off('exit', onExit);
    await lock.release();
  }
}

/** Refuses a cell whose effort its model does not take, naming the levels it does take. */
function checkEfforts(cells: readonly Cell[], models: readonly ResolvedModel[]): void {
  for (const c of cells) {
    const m = models.find((x) => x.requested === c.model);
    // Nothing known of the model (no Models API, no profile): it is sent as asked, with a warning.
    if (!m || m.source === 'none' || isDefaultEffort(c.effort) || supportsEffort(m, c.effort)) continue;
    const takes = m.efforts.length > 0 ? `it takes ${m.efforts.join(', ')}, or default` : 'it takes no effort levels: use default';
    throw new UsageError(
      `--effort ${c.effort}: ${c.model} does not take that effort level; ${takes} (source: ${m.source === 'models-api' ? 'the Models API' : 'its model profile'})`,
    );
  }
}

/** The one replay context of a run: built here, from the CLI's side effects, and handed down. */
function replayContext(store: RunStore, provider: Provider, profiles: readonly Profile[], o: RunOptions, deps: RunCommandDeps): ReplayContext {
  return {
    store,
    provider,
    profiles,
    events: deps.events,
    clock: { now: deps.now, sleep: deps.sleep ?? systemClock.sleep },
    stop: deps.stop,
    engineVersion: deps.engineVersion,
    memory: memorySettingsFrom(deps.env, configuredSecrets(deps.env)),
    batchPollMs: o.batchPollMs ?? BATCH_POLL_MS,
  };
}

function makeProviderOrNull(name: string, o: RunOptions, deps: RunCommandDeps, baseUrl: string | undefined): Provider | null {
  try {
    return makeProvider(name, { baseUrl, maxRetries: o.maxRetries, retryBaseMs: o.retryBaseMs, timeouts: o.timeouts }, deps);
  } catch {
    return null;
  }
}

/** --dry-run: the plan and its estimated cost, per cell and in total; nothing is sent but count_tokens. */
async function dryRun(
  plan: Plan,
  suite: readonly LoadedScenario[],
  provider: Provider | null,
  profiles: ReturnType<typeof loadProfiles>,
  maxCost: number | undefined,
  deps: RunCommandDeps,
): Promise<RunManifest> {
  const scenarios = new Map(suite.map((l) => [l.scenario.id, l]));
  const tokens = new Map<string, ScenarioTokens>();
  for (const c of plan.conversations) {
    const key = `${c.scenario}|${c.model}`;
    if (tokens.has(key)) continue;
    const l = scenarios.get(c.scenario)!;
    let t = estimatedScenarioTokens(l);
    if (provider?.countTokens) {
      t = await countScenarioTokens(provider, l, provider.apiModel?.(c.model, findProfile(profiles, c.model)?.aliases ?? []) ?? c.model).catch((e: Error) => {
        deps.events.emit({ type: 'warning', message: `count_tokens failed for ${c.scenario} on ${c.model}, estimating instead: ${e.message}` });
        return t;
      });
    }
    tokens.set(key, t);
  }
  const padded = plan.conversations.some((c) => (c.distance ?? 0) > 0);
  const corpus = padded ? loadDistractors() : [];
  const paddingOf = (c: Plan['conversations'][number], l: LoadedScenario) => {
    const d = c.distance ?? 0;
    const exchanges = c.distance_unit === 'tokens' ? distractorsForTokens(corpus, l.scenario, d) : distractorsFor(corpus, l.scenario, d);
    return { after: distractorAnchor(l.scenario), tokens: exchanges.reduce((n, x) => n + exchangeTokens(x), 0) };
  };
  const cells = estimatePlan(plan, scenarios, (s, m) => tokens.get(`${s}|${m}`)!, profiles, paddingOf);
  const money = (x: number | null) => (x === null ? 'no price' : `$${x.toFixed(4)}`);
  deps.output.out(
    `dry run: ${plan.conversations.length} conversations on ${plan.provider}${plan.shard ? ` (shard ${plan.shard.index}/${plan.shard.count} of ${plan.shard.of})` : ''}, prompt caching ${plan.prompt_cache === false ? 'off' : 'on'}; nothing was sent${provider?.countTokens ? ' but count_tokens requests' : ''}`,
  );
  deps.output.out(
    boxTable(
      // Five columns of two lines each, so that the table fits 80 columns with every id and number whole.
      ['model', 'conv.', 'tokens', 'est. cost', 'input from'],
      cells.map((c) => [
        `${c.model}\n${c.effort}`,
        `${c.conversations}\n${c.turns} turns`,
        `${c.inputTokens.toLocaleString('en-US')} in\n${c.outputTokens.toLocaleString('en-US')} out`,
        `${money(c.usd)}\n${money(c.usdUncached)} uncached`,
        c.source,
      ]),
      { width: deps.output.columns },
    ),
  );
  const total = cells.some((c) => c.usd === null) ? null : cells.reduce((n, c) => n + c.usd!, 0);
  if (padded) {
    // What the distractor padding adds: the same plan estimated without it. With caching the
    // padding is written to the cache once per conversation and read cheaply after that.
    const bare = estimatePlan(plan, scenarios, (s, m) => tokens.get(`${s}|${m}`)!, profiles);
    const sum = (xs: CellEstimate[], f: (c: CellEstimate) => number | null) => (xs.some((c) => f(c) === null) ? null : xs.reduce((n, c) => n + f(c)!, 0));
    const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
    const perConversation = [...new Set(plan.conversations.filter((c) => (c.distance ?? 0) > 0).map((c) => `${c.distance}${c.distance_unit === 'tokens' ? 't' : ''}`))]
      .map((k) => {
        const c = plan.conversations.find((x) => `${x.distance}${x.distance_unit === 'tokens' ? 't' : ''}` === k)!;
        return `distance ${c.distance_unit === 'tokens' ? `${c.distance! / 1000}k tokens` : c.distance}: about ${paddingOf(c, scenarios.get(c.scenario)!).tokens.toLocaleString('en-US')} tokens of padding per conversation`;
      })
      .join('; ');
    deps.output.out(
      `padding: ${perConversation}; it adds ${money(
        diff(
          total,
          sum(bare, (c) => c.usd),
        ),
      )} to the estimate with prompt caching (${money(
        diff(
          sum(cells, (c) => c.usdUncached),
          sum(bare, (c) => c.usdUncached),
        ),
      )} without)`,
    );
  }
  deps.output.out(`estimated total: ${money(total)}${total === null ? ' (a model has no price)' : ''}; output tokens are the profiles' expectation per effort level`);
  let within = true;
  if (maxCost !== undefined) {
    within = total !== null && total <= maxCost;
    deps.output.out(within ? `within --max-cost $${maxCost.toFixed(2)}` : `over --max-cost $${maxCost.toFixed(2)}: the run would stop at the budget before finishing`);
  }
  return {
    format: 'driftbench.manifest/1',
    run_id: 'dry-run',
    engine_version: deps.engineVersion,
    created_at: new Date(deps.now()).toISOString(),
    updated_at: new Date(deps.now()).toISOString(),
    ended_at: null,
    status: within ? 'complete' : 'partial',
    status_reason: within ? 'dry run' : 'dry run: over budget',
    plan,
    counts: { conversations: plan.conversations.length, pending: plan.conversations.length, complete: 0, refused: 0, max_tokens: 0, errored: 0, stopped: 0 },
  };
}

/** Two count_tokens calls per scenario and model: the system prompt alone, and with every user turn. */
async function countScenarioTokens(provider: Provider, l: LoadedScenario, model: string): Promise<ScenarioTokens> {
  const s = l.scenario;
  const system = s.system;
  const base = await provider.countTokens!({ model, ...(system ? { system } : {}), messages: [{ role: 'user', content: '.' }] });
  const all = await provider.countTokens!({ model, ...(system ? { system } : {}), messages: [{ role: 'user', content: s.steps.map((st) => st.prompt).join('\n\n') }] });
  const chars = s.steps.reduce((n, st) => n + st.prompt.length, 0) || 1;
  const promptTokens = Math.max(0, all - base);
  const est = estimatedScenarioTokens(l);
  return { system: base, prompts: s.steps.map((st) => Math.round((promptTokens * st.prompt.length) / chars)), replies: est.replies, source: 'count_tokens' };
}

async function resume(o: RunOptions, deps: RunCommandDeps, profiles: readonly Profile[]): Promise<RunManifest> {
  const store = new RunStore(abs(deps.cwd, o.resume!));
  const manifest = await store.readManifest();
  const name = o.provider ?? manifest.plan.provider;
  const baseUrl = resumeBaseUrl(name, o, manifest, deps.cwd, store);
  const provider = makeProvider(name, { baseUrl, maxRetries: o.maxRetries, retryBaseMs: o.retryBaseMs, timeouts: o.timeouts }, deps);
  return withRunLock(store, deps, () => resumeRun(replayContext(store, provider, profiles, o, deps), { maxCostUsd: o.maxCost }));
}

/**
 * Where a resume sends its requests, and so the key (issue 17): the --base-url given now, or the
 * provider's default host. The manifest keeps the endpoint without credentials, but a run
 * directory is only a folder of files anyone may have edited (or shared), so an endpoint it names
 * elsewhere is never sent the key unasked: the command must say it again.
 */
function resumeBaseUrl(name: string, o: RunOptions, manifest: RunManifest, cwd: string, store: RunStore): string | undefined {
  if (o.baseUrl !== undefined) return o.baseUrl;
  const recorded = manifest.plan.base_url;
  if (recorded === null || recorded === undefined || !needsBaseUrl(name, recorded)) return recorded ?? undefined;
  throw new UsageError(
    `${rel(cwd, store.path('manifest.json'))}: the run was recorded against ${recorded}, not ${name}'s default host; a resume sends the key only where the command line says, so repeat it: ${resumeCommand(manifest, store.dir, cwd)}`,
  );
}

/** The command that resumes a run, its folder relative to where the user is. */
export function resumeCommand(m: RunManifest, dir: string, cwd: string): string {
  return resumeCommandFor(m, rel(cwd, dir));
}

function chooseProvider(o: RunOptions, deps: RunCommandDeps): string {
  if (o.provider !== undefined) return o.provider;
  if (o.baseUrl !== undefined) return 'anthropic';
  if (providerKey('anthropic', deps.env).key !== undefined) return 'anthropic';
  deps.output.err("No ANTHROPIC_API_KEY set: running the offline rehearsal (rehearsal:pass and rehearsal:fail replay each scenario's fixtures; no network, no cost).");
  return 'rehearsal';
}

function chooseCells(o: RunOptions, matrix: Matrix | undefined): Cell[] {
  const axes = loadAxes();
  const efforts = o.efforts?.map(checkEffort);
  if (matrix) return unionCells({ models: o.models ?? matrix.models, efforts: efforts ?? matrix.efforts });
  if (o.axis !== undefined) {
    const preset = axes[o.axis];
    if (!preset) throw new UsageError(`--axis ${o.axis}: unknown axis; choose one of ${Object.keys(axes).join(', ')}`);
    return unionCells({ models: o.models ?? preset.models, efforts: efforts ?? preset.efforts });
  }
  if (o.models || efforts) return unionCells({ models: o.models ?? ['claude-opus-4-7'], efforts: efforts ?? ['high'] });
  // No axis: the original benchmark's two axes. The current ones (axes.json) are asked for by
  // name, so that adding a preset never makes the default run bigger or dearer.
  return unionCells(...DEFAULT_AXES.map((name) => axes[name]!));
}

function checkEffort(e: string): Effort {
  if (!(EFFORTS as readonly string[]).includes(e)) throw new UsageError(`--effort ${e}: choose from ${EFFORTS.join(', ')}`);
  return e as Effort;
}

async function loadMatrix(file: string): Promise<Matrix> {
  let data: unknown;
  try {
    data = parseYaml(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new UsageError(`${file}: cannot read the matrix file: ${(cause as Error).message}`, { cause });
  }
  const validate = validatorFor<Matrix>('matrix');
  if (!validate(data))
    throw new UsageError(`${file}: not a valid matrix (schemas/matrix.schema.json): ${validate.errors?.[0]?.instancePath || '/'} ${validate.errors?.[0]?.message ?? ''}`);
  return data;
}

const abs = (cwd: string, p: string) => (isAbsolute(p) ? p : join(cwd, p));
/** Relative to where the user is when that is shorter and inside it; absolute otherwise. */
const rel = (cwd: string, p: string) => {
  const r = relative(cwd, p);
  return r === '' ? '.' : r.startsWith('..') || isAbsolute(r) ? p : r;
};
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The lines a user reads when a run ends: what happened, where the transcripts are, what next,
 * and per cell, the turns another model answered (`fallback`, from the transcripts).
 */
export function runSummary(m: RunManifest, dir: string, cwd: string, fallback: readonly FallbackCell[] = []): string[] {
  const c = m.counts;
  const lines = [
    `run ${m.run_id}: ${m.status}${m.status_reason ? ` (${m.status_reason})` : ''}`,
    `  ${c.conversations} conversations: ${c.complete} complete, ${c.refused} refused, ${c.max_tokens} hit max_tokens, ${c.errored} errored, ${c.stopped + c.pending} not finished`,
    `  transcripts: ${rel(cwd, join(dir, 'conversations'))}/ (manifest: ${rel(cwd, join(dir, 'manifest.json'))})`,
  ];
  if (m.status === 'interrupted' || c.errored > 0) lines.push(`  resume with: ${resumeCommand(m, dir, cwd)}`);
  for (const f of fallback) lines.push(`  warning: ${cellName(f.cell)}: ${fallbackCount(f)}`);
  if (fallback.length > 0) {
    lines.push('  each such turn is priced as the model that answered; driftbench report flags these conversations, and report --exclude-fallback leaves them out');
  }
  // What comes next, as commands to copy: scoring is its own offline pass, then the report.
  const run = shellWord(rel(cwd, dir));
  const offline = m.plan.provider === 'rehearsal';
  lines.push(
    '',
    offline
      ? 'next: score it offline with the heuristic judge, then read the report:'
      : 'next: score it (an LLM judge with --judge MODEL, or offline with --judge heuristic), then read the report:',
    `  driftbench score ${run}${offline ? ' --judge heuristic' : ''}`,
    `  driftbench report ${run}`,
  );
  return lines;
}

/**
 * mem_fail per cell of an offline run, by the heuristic judge, scored in memory: the scores file
 * is still `driftbench score`'s to write.
 */
async function offlineFindings(dir: string): Promise<string[]> {
  const [{ heuristicJudge }, { scoreConversation }, { loadRunScenarios }, { clusterUnits, groupBy, rowOf, rates, keyString }] = await Promise.all([
    import('../../score/judge.js'),
    import('../../score/score-conversation.js'),
    import('../../transcript/run-scenarios.js'),
    import('../../report/aggregate.js'),
  ]);
  const store = new RunStore(dir);
  const scenarios = await loadRunScenarios(store);
  const judge = heuristicJudge();
  const rows = [];
  for (const file of await store.listTranscriptFiles()) {
    const text = await readTranscriptText(file);
    const t = parseTranscript(file, text);
    const s = scenarios.get(t.scenario.id);
    if (s) rows.push(rowOf(await scoreConversation(t, s.scenario, text, judge, { coherence: false }), [], t.run_id));
  }
  // Clustered as the report clusters them: by family when the run mixes template families.
  const clustered = clusterUnits(rows);
  return [
    `  found (heuristic judge, offline): mem_fail per cell${clustered.unit === 'family' ? ', S counting families' : ''}`,
    ...[...groupBy(clustered.rows, (r) => keyString(r.key)).values()].map((rs) => {
      const r = rates(rs);
      return `    ${cellName(rs[0]!.key)}: ${r.failed}/${r.n} failed, S = ${r.S}`;
    }),
  ];
}

/**
 * Per cell, the turns another model answered in a run, from its transcripts: they, not the
 * manifest, are the record of what came back, and a resumed run's earlier turns count too.
 */
async function runFallback(dir: string, m: RunManifest): Promise<FallbackCell[]> {
  const answers = await readAnswers(new RunStore(dir), modelNamesOf(loadProfiles(), m));
  return fallbackCells([...answers.values()].map((a) => ({ cell: a.cell, turns: a.fallback })));
}

/** What the CLI gives `driftbench run` besides its options. */
export interface RunActionDeps {
  output: Output;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => number;
  log: Logger;
  engineVersion: string;
  /** Show a progress bar on this terminal stream. */
  progressStream?: NodeJS.WriteStream;
  /** Subscribes to SIGINT and SIGTERM; returns an unsubscribe. */
  onInterrupt?: (handler: (signal?: 'SIGINT' | 'SIGTERM') => void) => () => void;
  /** What to do with the run directory once the run has ended cleanly (run --report: score it, then report). */
  then?: (dir: string) => Promise<number>;
}

/**
 * `driftbench run` as the CLI calls it: events wired to the progress bar and the log, Ctrl-C to
 * a clean stop (twice: abort the turns in flight), the summary printed. Returns the exit code:
 * 0 when every conversation ran to its end (refusals and cut-offs are findings in the data),
 * 1 for a dry run over budget, 2 when a conversation errored or the run was interrupted.
 */
export async function runAction(o: RunOptions, deps: RunActionDeps & { quietBar: boolean }): Promise<number> {
  const [{ ReplayEvents }, { stopControl }, { attachProgressBar }, { attachRunLog }] = await Promise.all([
    import('../../replay/events.js'),
    import('../../replay/context.js'),
    import('../progress.js'),
    import('../run-log.js'),
  ]);
  const events = new ReplayEvents();
  const stop = stopControl();
  const bar = deps.progressStream?.isTTY === true && !deps.quietBar;
  const detachBar = bar ? attachProgressBar(events, deps.progressStream!) : () => {};
  const detachLog = attachRunLog(events, deps.log, bar ? 'debug' : 'info');
  let interrupts = 0;
  const detachSignal =
    deps.onInterrupt?.((signal = 'SIGINT') => {
      interrupts++;
      stop.requested = true;
      if (signal === 'SIGTERM') {
        // A supervisor (systemd, docker stop, CI) wants the process gone soon: the turns in
        // flight are aborted at once, the manifest written and the run's lock released.
        stop.reason ??= 'terminated (SIGTERM)';
        if (!stop.abort.signal.aborted) deps.output.err('Terminated: aborting the turns in flight and writing the manifest.');
        stop.abort.abort();
        return;
      }
      stop.reason = 'interrupted by the user (SIGINT)';
      if (interrupts === 1) deps.output.err('Interrupted: finishing the turns in flight and writing the manifest (Ctrl-C again to abort them).');
      else stop.abort.abort();
    }) ?? (() => {});
  try {
    const manifest = await runCommand(o, { ...deps, events, stop });
    detachBar();
    if (o.dryRun === true) return manifest.status === 'complete' ? 0 : 1;
    const dir = o.resume !== undefined ? abs(deps.cwd, o.resume) : join(abs(deps.cwd, o.out), manifest.run_id);
    // The summary is printed whatever happens: a transcript that cannot be read (edited since a
    // resume, say) costs only the check of who answered, and says so.
    let fallback: FallbackCell[] = [];
    let unchecked: string | undefined;
    try {
      fallback = await runFallback(dir, manifest);
    } catch (e) {
      if (!(e instanceof TranscriptError)) throw e;
      unchecked = e.message;
    }
    const summary = runSummary(manifest, dir, deps.cwd, fallback);
    // Offline, what was found comes with the summary: the heuristic judge costs nothing.
    if (manifest.plan.provider === 'rehearsal' && deps.then === undefined) {
      const found = await offlineFindings(dir).catch((e: unknown) => {
        if (e instanceof TranscriptError) return [];
        throw e;
      });
      const next = summary.indexOf('');
      summary.splice(next === -1 ? summary.length : next, 0, ...found);
    }
    for (const line of summary) deps.output.out(line);
    if (unchecked !== undefined) deps.output.err(`could not check which model answered each turn: ${unchecked}`);
    const code = manifest.status === 'interrupted' || manifest.counts.errored > 0 ? 2 : 0;
    return code === 0 && deps.then ? deps.then(dir) : code;
  } finally {
    detachBar();
    detachLog();
    detachSignal();
  }
}

/**
 * --distance values: whole numbers of distractor exchanges (0,10,50), or token budgets of
 * near-miss padding (12k,50k). One run takes one unit: a trend over a mix would mean nothing.
 */
export function parseDistances(values: readonly string[]): { distances: number[]; unit: 'exchanges' | 'tokens' } {
  const parsed = values.map((d) => {
    const k = /^(\d+(?:\.\d+)?)k$/i.exec(d.trim());
    if (k) {
      const n = Math.round(Number(k[1]) * 1000);
      if (n <= 0) throw new UsageError(`--distance ${d}: a token budget must be above 0, e.g. 50k`);
      return { n, unit: 'tokens' as const };
    }
    const n = Number(d);
    if (d.trim() === '' || !Number.isInteger(n) || n < 0)
      throw new UsageError(`--distance ${d}: a whole number of distractor exchanges (0, 10, 50) or a token budget of padding (12k, 50k)`);
    return { n, unit: 'exchanges' as const };
  });
  const tokens = parsed.filter((p) => p.unit === 'tokens' || p.n === 0);
  if (tokens.length === parsed.length && parsed.some((p) => p.unit === 'tokens')) return { distances: parsed.map((p) => p.n), unit: 'tokens' };
  if (parsed.some((p) => p.unit === 'tokens'))
    throw new UsageError(`--distance ${values.join(',')}: mixes exchange counts and token budgets; use one kind in a run (0 goes with either)`);
  return { distances: parsed.map((p) => p.n), unit: 'exchanges' };
}
