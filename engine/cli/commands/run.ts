import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../../errors.js';
import { EFFORTS, findProfile, isRehearsalModel, loadProfiles, type Effort } from '../../models/profiles.js';
import { buildPlan, loadAxes, publicBaseUrl, safeName, selectScenarios, unionCells, type Cell, type Matrix } from '../../plan/plan.js';
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
  const plan = buildPlan({
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
  const runId = safeName(o.runName ?? `${stamp(deps.now())}-${o.axis ?? (o.models || o.efforts || o.matrix ? 'custom' : 'all')}${providerName === 'rehearsal' ? '-rehearsal' : ''}`);
  const store = new RunStore(join(abs(deps.cwd, o.out), runId));
  if (await exists(store.path('manifest.json'))) {
    throw new UsageError(`${rel(deps.cwd, store.dir)} already holds a run; resume it with --resume ${rel(deps.cwd, store.dir)}, or pick another --run-name`);
  }
  const provider = makeProvider(providerName, o, deps, o.baseUrl);
  const bytes = new Map<string, Uint8Array>();
  for (const l of scenarios) bytes.set(l.scenario.id, await readFile(abs(deps.cwd, l.file)));
  return startRun(runId, plan, scenarios, bytes, { store, provider, profiles, events: deps.events, now: deps.now, stop: deps.stop, engineVersion: deps.engineVersion });
}

async function resume(o: RunOptions, deps: RunCommandDeps, profiles: ReturnType<typeof loadProfiles>): Promise<RunManifest> {
  const store = new RunStore(abs(deps.cwd, o.resume!));
  const manifest = await store.readManifest();
  const name = o.provider ?? manifest.plan.provider;
  // The manifest keeps the endpoint without credentials; the key comes from the environment again.
  const baseUrl = o.baseUrl ?? manifest.plan.base_url ?? undefined;
  const provider = makeProvider(name, o, deps, baseUrl);
  return resumeRun({ store, provider, profiles, events: deps.events, now: deps.now, stop: deps.stop, engineVersion: deps.engineVersion });
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
