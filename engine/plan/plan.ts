import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { Effort } from '../models/profiles.js';
import { packageRoot } from '../paths.js';
import type { LoadedScenario } from '../scenario/scenario.js';
import type { Plan } from '../schemas/manifest.generated.js';
import type { Matrix } from '../schemas/matrix.generated.js';
import { validatorFor } from '../schemas/compile.js';

export type { Plan, Matrix };
export type PlannedConversation = Plan['conversations'][number];
export interface Cell {
  model: string;
  effort: Effort;
}
/** Models and efforts to cross: a Matrix's core, without the at-least-one tuple types. */
export interface CellSpec {
  models: readonly string[];
  efforts: readonly Effort[];
}

/** Axis presets live in engine/data/axes.json (data, not code), each a Matrix. */
export function loadAxes(file = join(packageRoot(), 'engine', 'data', 'axes.json')): Record<string, Matrix> {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const validate = validatorFor<Matrix>('matrix');
  const out: Record<string, Matrix> = {};
  for (const [name, m] of Object.entries(raw)) {
    if (!validate(m)) throw new Error(`${file}: axis "${name}" is not a valid matrix: ${JSON.stringify(validate.errors)}`);
    out[name] = m;
  }
  return out;
}

/** The cells of a matrix: every model crossed with every effort. */
export function matrixCells(m: CellSpec): Cell[] {
  return m.models.flatMap((model) => m.efforts.map((effort) => ({ model, effort })));
}

/** Several matrices together, without duplicate cells ("no axis" runs every preset). */
export function unionCells(...ms: CellSpec[]): Cell[] {
  const seen = new Set<string>();
  return ms.flatMap(matrixCells).filter((c) => {
    const k = `${c.model}|${c.effort}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Scenarios narrowed by `--task`: a task code (T1) or a scenario id, case-insensitive. */
export function selectScenarios(suite: readonly LoadedScenario[], tasks: readonly string[]): LoadedScenario[] {
  if (tasks.length === 0) return [...suite];
  // A task code, a scenario id, or a family (a template's id: every instance of it).
  const names = (l: LoadedScenario) => [l.scenario.id, l.scenario.task, l.scenario.family].filter((x): x is string => x !== undefined).map((x) => x.toLowerCase());
  const wanted = tasks.map((t) => t.toLowerCase());
  const unknown = tasks.filter((t) => !suite.some((l) => names(l).includes(t.toLowerCase())));
  if (unknown.length > 0) {
    const known = [...new Set(suite.map((l) => l.scenario.task ?? l.scenario.family ?? l.scenario.id))].join(', ');
    throw new UsageError(`--task ${unknown.join(', ')}: no such task, scenario id or family; known: ${known}`);
  }
  return suite.filter((l) => names(l).some((n) => wanted.includes(n)));
}

/**
 * A name safe as a file name on every platform: model names such as `anthropic/claude-opus-4.7`
 * or `rehearsal:pass` become `anthropic_claude-opus-4.7` and `rehearsal_pass`. Nothing here
 * can climb out of a folder: no separators, and no leading dot. A name longer than 120
 * characters is cut to 113 and given `-` and 6 hex of its sha256, so that two long names that
 * share their first 120 characters (three repeats of one long conversation id, say) never
 * become one file (issue 17). Names of 120 characters or fewer are as they always were, so the
 * transcripts of earlier runs are found where they were written.
 */
export function safeName(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+/, '');
  if (cleaned.length > MAX_NAME) return `${cleaned.slice(0, MAX_NAME - 7)}-${shortHash(s)}`;
  return cleaned === '' ? 'x' : cleaned;
}

const MAX_NAME = 120;
/** 6 hex of a string's sha256: what tells apart two names that cleaning or cutting made one. */
const shortHash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 6);

/**
 * Each model's part of a conversation id: its safe name, unless another model of the plan
 * cleans to the same name (`vendor/model-x` and `vendor:model-x`), in which case each such
 * model's name gets `-` and 6 hex of the sha256 of the model as written. A plan without such
 * a pair keeps the ids it always had (resume of earlier runs).
 */
export function modelParts(models: readonly string[]): Map<string, string> {
  const byName = new Map<string, Set<string>>();
  for (const m of models) {
    const name = safeName(m);
    byName.set(name, (byName.get(name) ?? new Set()).add(m));
  }
  const parts = new Map<string, string>();
  for (const [name, ms] of byName) for (const m of ms) parts.set(m, ms.size > 1 ? `${name}-${shortHash(m)}` : name);
  return parts;
}

export function conversationId(scenario: string, c: Cell, repeat: number, condition = 'baseline', distance = 0, unit?: 'tokens', modelPart = safeName(c.model)): string {
  const d = unit === 'tokens' ? `${distance / 1000}k` : String(distance);
  const extra = `${condition !== 'baseline' ? `__${safeName(condition)}` : ''}${distance > 0 ? `__d${d}` : ''}`;
  return `${safeName(scenario)}__${modelPart}__${c.effort}${extra}__r${repeat}`;
}

export interface PlanInput {
  scenarios: readonly LoadedScenario[];
  cells: readonly Cell[];
  repeats: number;
  concurrency: number;
  maxRetries: number;
  provider: string;
  baseUrl: string | null;
  axis: string | null;
  options?: Record<string, unknown>;
  /** Memory conditions (default baseline) and distractor distances (default 0): run axes too. */
  conditions?: readonly string[];
  distances?: readonly number[];
  /** tokens: each distance is a token budget of padding (--distance 50k), not a count of exchanges. */
  distanceUnit?: 'tokens';
}

/**
 * The run's conversations, in a stable order: scenario, then cell, then repeat. The order
 * (and so every id) depends only on the inputs, which is what makes resume and sharding exact.
 */
export function buildPlan(input: PlanInput): Plan {
  const conversations: PlannedConversation[] = [];
  const conditions = input.conditions?.length ? input.conditions : ['baseline'];
  const distances = input.distances?.length ? input.distances : [0];
  const parts = modelParts(input.cells.map((c) => c.model));
  for (const l of input.scenarios) {
    for (const c of input.cells) {
      for (const condition of conditions) {
        for (const distance of distances) {
          for (let r = 1; r <= input.repeats; r++) {
            conversations.push({
              id: conversationId(l.scenario.id, c, r, condition, distance, input.distanceUnit, parts.get(c.model)),
              scenario: l.scenario.id,
              model: c.model,
              effort: c.effort,
              repeat: r,
              ...(condition !== 'baseline' ? { condition } : {}),
              ...(distance > 0 ? { distance, ...(input.distanceUnit ? { distance_unit: input.distanceUnit } : {}) } : {}),
            });
          }
        }
      }
    }
  }
  assertUniqueNames(conversations);
  return {
    provider: input.provider,
    base_url: input.baseUrl,
    base_url_host: input.baseUrl ? new URL(input.baseUrl).host : null,
    axis: input.axis,
    scenarios: input.scenarios.map((l) => ({ id: l.scenario.id, hash: l.hash, file: `scenarios/${safeName(l.scenario.id)}.yaml` })),
    models: [...new Set(input.cells.map((c) => c.model))],
    efforts: [...new Set(input.cells.map((c) => c.effort))],
    repeats: input.repeats,
    concurrency: input.concurrency,
    max_retries: input.maxRetries,
    conversations,
    ...(input.options ? { options: input.options } : {}),
    ...(conditions.length > 1 || conditions[0] !== 'baseline' ? { conditions: [...conditions] } : {}),
    ...(distances.length > 1 || distances[0] !== 0 ? { distances: [...distances], ...(input.distanceUnit ? { distance_unit: input.distanceUnit } : {}) } : {}),
  };
}

/**
 * Every conversation has its own id and its own transcript file: a plan where two would share
 * one is refused before anything is sent, never left to overwrite a transcript (issue 17).
 */
function assertUniqueNames(conversations: readonly PlannedConversation[]): void {
  const seen = new Map<string, PlannedConversation>();
  for (const c of conversations) {
    for (const key of new Set([c.id, `file:${safeName(c.id)}`])) {
      const other = seen.get(key);
      if (other)
        throw new UsageError(
          `conversations ${other.scenario} on ${other.model} and ${c.scenario} on ${c.model} would share the transcript ${safeName(c.id)}.json; rename one of the models or scenarios`,
        );
      seen.set(key, c);
    }
  }
}

/** A base URL as it may be written down: no user, password, query or fragment. */
export function publicBaseUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  return u.toString().replace(/\/$/, '');
}
