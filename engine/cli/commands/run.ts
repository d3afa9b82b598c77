import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../../errors.js';
import { EFFORTS, findProfile, isRehearsalModel, loadProfiles, type Effort } from '../../models/profiles.js';
import { buildPlan, loadAxes, publicBaseUrl, safeName, selectScenarios, unionCells, type Cell, type Matrix, type Plan } from '../../plan/plan.js';
import { estimatePlan, estimatedScenarioTokens, type ScenarioTokens } from '../../plan/estimate.js';
import { boxTable } from '../../report/table.js';
import type { LoadedScenario } from '../../scenario/scenario.js';
import { MEMORY_LAYERS } from '../../memory/index.js';
import { PROVIDERS, PROVIDER_KEYS } from '../../providers/index.js';
import type { Provider } from '../../providers/types.js';
import { ReplayEvents } from '../../replay/events.js';
import { resumeRun, startRun, type StopControl } from '../../replay/run.js';
import { loadSuite } from '../../scenario/scenario-files.js';
import { validatorFor } from '../../schemas/compile.js';
import type { RunManifest } from '../../transcript/format.js';
import { RunStore } from '../../transcript/run-store.js';
import type { Logger } from '../logger.js';
import type { Output } from '../output.js';

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
  maxCost?: number;
  dryRun?: boolean;
  promptCache?: boolean;
  shard?: string;
  batch?: boolean;
  batchPollMs?: number;
  conditions?: string[];
  distances?: string[];
}

export interface RunCommandDeps {
  output: Output;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => number;
  log: Logger;
  events: ReplayEvents;
  stop: StopControl;
  engineVersion: string;
}

const DEFAULT_REPEATS = 3;

/** `driftbench run`: plan, replay, write transcripts, print where they are. Returns the manifest. */
export async function runCommand(o: RunOptions, deps: RunCommandDeps): Promise<RunManifest> {
  const profiles = loadProfiles();
  if (o.resume !== undefined) return resume(o, deps, profiles);

  const providerName = chooseProvider(o, deps);
  const suite = await loadSuite(o.paths, { cwd: deps.cwd });
  const matrix = o.matrix !== undefined ? await loadMatrix(abs(deps.cwd, o.matrix)) : undefined;
  const scenarios = selectScenarios(suite, [...o.tasks, ...(matrix?.tasks ?? [])]);
  let cells = chooseCells(o, matrix);
  if (providerName === 'rehearsal' && !cells.every((c) => isRehearsalModel(c.model))) {
    const efforts = [...new Set(cells.map((c) => c.effort))];
    cells = ['rehearsal:pass', 'rehearsal:fail'].flatMap((model) => efforts.map((effort) => ({ model, effort })));
  }
  for (const c of cells) {
    const profile = findProfile(profiles, c.model);
    if (!profile) deps.events.emit({ type: 'warning', message: `${c.model} has no model profile: parameters are sent as requested and no cost is computed (add it to engine/data/model-profiles.json)` });
    else if (c.effort !== 'standard' && !(profile.efforts as string[]).includes(c.effort)) {
      deps.events.emit({ type: 'warning', message: `${c.model} does not take effort ${c.effort}: that cell will be sent without it, and the transcripts say so` });
    }
  }
  const baseUrl = o.baseUrl !== undefined ? publicBaseUrl(o.baseUrl) : null;
  if (o.maxCost !== undefined) {
    const unpriced = [...new Set(cells.map((c) => c.model))].filter((m) => !findProfile(profiles, m)?.prices);
    if (unpriced.length > 0) throw new UsageError(`--max-cost needs a price for every model, and ${unpriced.join(', ')} has none (add it to engine/data/model-profiles.json)`);
  }
  const conditions = o.conditions ?? ['baseline'];
  for (const c of conditions) if (!MEMORY_LAYERS[c]) throw new UsageError(`--condition ${c}: unknown memory condition; choose from ${Object.keys(MEMORY_LAYERS).join(', ')}`);
  const distances = (o.distances ?? ['0']).map((d) => {
    const n = Number(d);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--distance ${d}: a whole number of distractor exchanges, 0 or more`);
    return n;
  });
  if (o.batch && (conditions.some((c) => c !== 'baseline') || distances.some((d) => d > 0))) {
    throw new UsageError('--batch does not combine with --condition or --distance yet; run those streamed');
  }
  const fullPlan = buildPlan({
    conditions,
    distances,
    scenarios,
    cells,
    repeats: o.repeats ?? matrix?.repeats ?? DEFAULT_REPEATS,
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
  const provider0 = o.dryRun ? makeProviderOrNull(providerName, o, deps, o.baseUrl) : undefined;
  if (o.dryRun) return dryRun(plan, scenarios, provider0 ?? null, profiles, o.maxCost, deps);
  const shardTag = plan.shard ? `-shard${plan.shard.index}of${plan.shard.count}` : '';
  const runId = safeName(o.runName ?? `${stamp(deps.now())}-${o.axis ?? (o.models || o.efforts || o.matrix ? 'custom' : 'all')}${providerName === 'rehearsal' ? '-rehearsal' : ''}${shardTag}`);
  const store = new RunStore(join(abs(deps.cwd, o.out), runId));
  if (await exists(store.path('manifest.json'))) {
    throw new UsageError(`${rel(deps.cwd, store.dir)} already holds a run; resume it with --resume ${rel(deps.cwd, store.dir)}, or pick another --run-name`);
  }
  const provider = makeProvider(providerName, o, deps, o.baseUrl);
  if (o.batch && !provider.batches) throw new UsageError(`--batch needs a provider with the Message Batches API; ${provider.name} has none`);
  const bytes = new Map<string, Uint8Array>();
  for (const l of scenarios) bytes.set(l.scenario.id, await readFile(abs(deps.cwd, l.file)));
  const used = scenarios.filter((l) => plan.conversations.some((c) => c.scenario === l.scenario.id));
  return startRun(runId, plan, used, bytes, { store, provider, profiles, events: deps.events, now: deps.now, stop: deps.stop, engineVersion: deps.engineVersion, batchPollMs: o.batchPollMs, env: deps.env });
}

/** --shard k/n: 1 <= k <= n. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${text}: write k/n with 1 <= k <= n, e.g. --shard 2/4`);
  return { index, count };
}

/**
 * The conversations of shard k of n: every n-th conversation of the full plan, starting at
 * the k-th. Deterministic, so n machines given the same inputs split it without talking, and
 * `driftbench merge` can put the full plan back together in its original order.
 */
export function shardPlan(plan: Plan, s: { index: number; count: number }): Plan {
  return {
    ...plan,
    conversations: plan.conversations.filter((_, i) => i % s.count === s.index - 1),
    shard: { index: s.index, count: s.count, of: plan.conversations.length },
  };
}

function makeProviderOrNull(name: string, o: RunOptions, deps: RunCommandDeps, baseUrl: string | undefined): Provider | null {
  try {
    return makeProvider(name, o, deps, baseUrl);
  } catch {
    return null;
  }
}

/** --dry-run: the plan and its estimated cost, per cell and in total; nothing is sent but count_tokens. */
async function dryRun(plan: Plan, suite: readonly LoadedScenario[], provider: Provider | null, profiles: ReturnType<typeof loadProfiles>, maxCost: number | undefined, deps: RunCommandDeps): Promise<RunManifest> {
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
  const cells = estimatePlan(plan, scenarios, (s, m) => tokens.get(`${s}|${m}`)!, profiles);
  const money = (x: number | null) => (x === null ? 'no price' : `$${x.toFixed(4)}`);
  deps.output.out(`dry run: ${plan.conversations.length} conversations on ${plan.provider}${plan.shard ? ` (shard ${plan.shard.index}/${plan.shard.count} of ${plan.shard.of})` : ''}, prompt caching ${plan.prompt_cache === false ? 'off' : 'on'}; nothing was sent${provider?.countTokens ? ' but count_tokens requests' : ''}`);
  deps.output.out(
    boxTable(
      ['model', 'effort', 'conversations', 'turns', 'input tokens', 'output tokens', 'est. cost', 'without caching', 'input from'],
      cells.map((c) => [c.model, c.effort, c.conversations, c.turns, c.inputTokens.toLocaleString('en-US'), c.outputTokens.toLocaleString('en-US'), money(c.usd), money(c.usdUncached), c.source]),
    ),
  );
  const total = cells.some((c) => c.usd === null) ? null : cells.reduce((n, c) => n + c.usd!, 0);
  deps.output.out(`estimated total: ${money(total)}${total === null ? ' (a model has no price)' : ''}; output tokens are the profiles' expectation per effort level`);
  let within = true;
  if (maxCost !== undefined) {
    within = total !== null && total <= maxCost;
    deps.output.out(within ? `within --max-cost $${maxCost.toFixed(2)}` : `over --max-cost $${maxCost.toFixed(2)}: the run would stop at the budget before finishing`);
  }
  return { format: 'driftbench.manifest/1', run_id: 'dry-run', engine_version: deps.engineVersion, created_at: new Date(deps.now()).toISOString(), updated_at: new Date(deps.now()).toISOString(), ended_at: null, status: within ? 'complete' : 'partial', status_reason: within ? 'dry run' : 'dry run: over budget', plan, counts: { conversations: plan.conversations.length, pending: plan.conversations.length, complete: 0, refused: 0, max_tokens: 0, errored: 0, stopped: 0 } };
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

async function resume(o: RunOptions, deps: RunCommandDeps, profiles: ReturnType<typeof loadProfiles>): Promise<RunManifest> {
  void profiles;
  const store = new RunStore(abs(deps.cwd, o.resume!));
  const manifest = await store.readManifest();
  const name = o.provider ?? manifest.plan.provider;
  // The manifest keeps the endpoint without credentials; the key comes from the environment again.
  const baseUrl = o.baseUrl ?? manifest.plan.base_url ?? undefined;
  const provider = makeProvider(name, o, deps, baseUrl);
  return resumeRun({ store, provider, profiles, events: deps.events, now: deps.now, stop: deps.stop, engineVersion: deps.engineVersion, maxCostUsd: o.maxCost, batchPollMs: o.batchPollMs, env: deps.env });
}

function chooseProvider(o: RunOptions, deps: RunCommandDeps): string {
  if (o.provider !== undefined) return o.provider;
  if (o.baseUrl !== undefined) return 'anthropic';
  if (nonEmpty(deps.env.ANTHROPIC_API_KEY)) return 'anthropic';
  deps.output.err('No ANTHROPIC_API_KEY set: running the offline rehearsal (rehearsal:pass and rehearsal:fail replay each scenario\'s fixtures; no network, no cost).');
  return 'rehearsal';
}

function makeProvider(name: string, o: RunOptions, deps: RunCommandDeps, baseUrl: string | undefined): Provider {
  const factory = PROVIDERS[name];
  if (!factory) throw new UsageError(`--provider ${name}: unknown provider; choose one of ${Object.keys(PROVIDERS).join(', ')}`);
  const key = PROVIDER_KEYS[name];
  if (key !== undefined && !nonEmpty(deps.env[key])) throw new UsageError(`--provider ${name} needs ${key} in the environment (or run without a key for the offline rehearsal)`);
  return factory({ env: deps.env, baseUrl, maxRetries: o.maxRetries, retryBaseMs: o.retryBaseMs, now: deps.now });
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
  return unionCells(...Object.values(axes));
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
  if (!validate(data)) throw new UsageError(`${file}: not a valid matrix (schemas/matrix.schema.json): ${validate.errors?.[0]?.instancePath || '/'} ${validate.errors?.[0]?.message ?? ''}`);
  return data;
}

const nonEmpty = (v: string | undefined) => v !== undefined && v.trim() !== '';
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

/** The lines a user reads when a run ends: what happened, where the transcripts are, what next. */
export function runSummary(m: RunManifest, dir: string, cwd: string): string[] {
  const c = m.counts;
  const lines = [
    `run ${m.run_id}: ${m.status}${m.status_reason ? ` (${m.status_reason})` : ''}`,
    `  ${c.conversations} conversations: ${c.complete} complete, ${c.refused} refused, ${c.max_tokens} hit max_tokens, ${c.errored} errored, ${c.stopped + c.pending} not finished`,
    `  transcripts: ${rel(cwd, join(dir, 'conversations'))}/ (manifest: ${rel(cwd, join(dir, 'manifest.json'))})`,
  ];
  if (m.status === 'interrupted' || c.errored > 0) lines.push(`  resume with: driftbench run --resume ${rel(cwd, dir)}`);
  return lines;
}
