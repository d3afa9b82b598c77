import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { Problem } from '../errors.js';
import { coercingValidatorFor, validatorFor } from '../schemas/compile.js';
import { explainSchemaErrors, type Explained } from './explain-schema-errors.js';
import type { LoadedScenario, Scenario } from './scenario.js';
import { semanticChecks } from './semantic-checks.js';
import {
  axesOf,
  chooseCombinations,
  combinationAt,
  combinationCount,
  canonical,
  describeValues,
  isTemplate,
  renderInstance,
  templateChecks,
  withTypedReferences,
  type Values,
} from './template.js';
import { locate, parseYaml, type YamlSource } from './yaml-source.js';

export interface FileVerdict {
  file: string;
  problems: Problem[];
  /** A plain scenario file, loaded. */
  loaded?: LoadedScenario;
  /** What the file yields for a run: the plain scenario, or the chosen instances of a template. */
  scenarios?: LoadedScenario[];
  /** For a template: its id, how many combinations it has, and how many were taken. */
  template?: { id: string; total: number; chosen: number; sampled: boolean };
  source?: YamlSource;
}

/** Which instances of a template to take: `count` (default every one up to `cap`), drawn by `seed`. */
export interface InstanceChoice {
  count?: number | undefined;
  seed?: number | undefined;
  cap?: number | undefined;
}

const PROBE_KINDS = ['regex', 'words', 'sentences', 'language', 'json'] as const;
/** Problems listed per template before the rest are counted: one mistake can break every instance. */
const MAX_INSTANCE_PROBLEMS = 5;

/** Validates one scenario file's bytes: YAML, schema, then semantics; a template, each chosen instance. Pure; no I/O. */
export function validateScenarioBytes(file: string, bytes: Uint8Array, choice: InstanceChoice = {}): FileVerdict {
  const parsed = parseYaml(file, bytes);
  if (!parsed.ok) return { file, problems: parsed.problems };
  const { source, value } = parsed;
  const toProblem = (e: Explained & { needle?: string }, prefix = ''): Problem => {
    const [line, col] = locate(source, e.pointer, { ...(e.key === undefined ? {} : { key: e.key }), ...(e.needle === undefined ? {} : { needle: e.needle }) });
    return { file, line, col, message: prefix + e.message, pointer: e.pointer + (e.key !== undefined ? `/${e.key}` : '') };
  };
  const schemaProblems = isTemplate(value) ? checkSchema(typedTemplate(value), { coerce: true }) : checkSchema(value);
  if (schemaProblems.length > 0) return { file, source, problems: sortProblems(schemaProblems.map((e) => toProblem(e))) };
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (isTemplate(value)) return validateTemplate(file, source, value, hash, choice, toProblem);
  const problems = sortProblems(semanticChecks(value as Scenario).map((e) => toProblem(e)));
  if (problems.length > 0) return { file, source, problems };
  const loaded = { file, hash, bytes, scenario: value as Scenario };
  return { file, source, problems: [], loaded, scenarios: [loaded] };
}

/** A template as the schema sees it: single-reference fields typed by the first combination (template.ts). */
function typedTemplate(t: Scenario & { variables: NonNullable<Scenario['variables']> }): unknown {
  try {
    const axes = axesOf(t.variables);
    return structuredClone(combinationCount(axes) === 0 ? t : withTypedReferences(t, combinationAt(axes, 0)));
  } catch {
    return t; // variables not shaped as the schema wants: the schema says so
  }
}

function checkSchema(value: unknown, o: { coerce?: boolean } = {}): Explained[] {
  const validate = o.coerce ? coercingValidatorFor<Scenario>('scenario') : validatorFor<Scenario>('scenario');
  return validate(value) ? [] : explainSchemaErrors(validate.errors ?? [], PROBE_KINDS);
}

/**
 * A template: its own checks first (variables and references), then each chosen instance as a
 * plain scenario. An instance's problem is placed where the template says it, with the values
 * that made that instance, since the same line may be fine for other values.
 */
function validateTemplate(
  file: string,
  source: YamlSource,
  t: Scenario & { variables: NonNullable<Scenario['variables']> },
  hash: string,
  choice: InstanceChoice,
  toProblem: (e: Explained & { needle?: string }, prefix?: string) => Problem,
): FileVerdict {
  const own = templateChecks(t);
  if (own.length > 0) return { file, source, problems: sortProblems(own.map((e) => toProblem(e))) };
  const axes = axesOf(t.variables);
  const total = combinationCount(axes);
  if (choice.count !== undefined && choice.count > total) {
    const [line, col] = locate(source, '/variables');
    return { file, source, problems: [{ file, line, col, message: `template "${t.id}" has ${total} combination(s); ask for at most that many instances`, pointer: '/variables' }] };
  }
  const { indices, sampled } = chooseCombinations(total, choice);
  const problems: Problem[] = [];
  const scenarios: LoadedScenario[] = [];
  const seen = new Map<string, Values>();
  // The same mistake usually breaks many instances: one problem per place and message, with
  // the values of the first instance it broke and how many it broke.
  const broken = new Map<string, { e: Explained; values: Values; count: number }>();
  let brokenInstances = 0;
  let duplicates = 0;
  let dupAt: Problem | undefined;
  for (const index of indices) {
    const values = combinationAt(axes, index);
    const instance = renderInstance(t, values, hash);
    const { id: _id, instance: _instance, ...content } = instance;
    const key = canonical(content);
    const twin = seen.get(key);
    if (twin !== undefined) {
      duplicates++;
      if (duplicates > 1) continue;
      // Point at the value that makes no difference: the first variable whose value differs.
      const axis = axes.find((a) => canonical(twin[a.name]) !== canonical(values[a.name]))!;
      const pointer = `/variables/${axis.name}${Array.isArray(t.variables[axis.name]) ? `/${axis.values.findIndex((v) => canonical(v) === canonical(values[axis.name]))}` : ''}`;
      const [line, col] = locate(source, pointer);
      dupAt = {
        file,
        line,
        col,
        pointer,
        message: `the instances ${describeValues(twin)} and ${describeValues(values)} come out identical: this value of "${axis.name}" changes nothing a reference uses; make it differ in a field the text uses, or remove it`,
      };
      continue;
    }
    seen.set(key, values);
    // Coerces in place: a filled-in "80" becomes the number the schema wants.
    const schemaFound = checkSchema(instance, { coerce: true });
    const found = schemaFound.length > 0 ? schemaFound : semanticChecks(instance);
    if (found.length > 0) {
      brokenInstances++;
      for (const e of found) {
        const k = `${e.pointer}\0${e.key ?? ''}\0${e.message}`;
        const b = broken.get(k);
        if (b) b.count++;
        else broken.set(k, { e, values, count: 1 });
      }
      continue;
    }
    const bytes = new TextEncoder().encode(instanceText(instance));
    scenarios.push({ file, hash: createHash('sha256').update(bytes).digest('hex'), bytes, scenario: instance });
  }
  if (dupAt) problems.push(duplicates > 1 ? { ...dupAt, message: `${dupAt.message} (${duplicates} pairs of instances are identical; this is the first)` } : dupAt);
  const listed = [...broken.values()].slice(0, MAX_INSTANCE_PROBLEMS);
  for (const b of listed) {
    const where = b.count === 1 ? `in the instance ${describeValues(b.values)}` : `in ${b.count} instances, the first ${describeValues(b.values)}`;
    problems.push(toProblem(b.e, `${where}: `));
  }
  if (broken.size > listed.length) {
    const [line, col] = locate(source, '/variables');
    problems.push({
      file,
      line,
      col,
      pointer: '/variables',
      message: `${brokenInstances} of ${indices.length} instance(s) have problems; the first ${MAX_INSTANCE_PROBLEMS} kinds are listed`,
    });
  }
  if (problems.length > 0) return { file, source, problems: sortProblems(problems) };
  return { file, source, problems: [], scenarios, template: { id: t.id, total, chosen: scenarios.length, sampled } };
}

/** An instance as a YAML file of its own: what a run snapshots and `expand` writes. */
export function instanceText(s: Scenario): string {
  const made = s.instance ? `# An instance of the template "${s.instance.template}", made by driftbench: edit the template, not this file.\n` : '';
  return `${made}${stringify(s, { lineWidth: 0 })}`;
}

/** Checks across files: scenario ids are unique in a suite, and task codes unique across families (a template's instances share theirs). */
export function suiteChecks(verdicts: readonly FileVerdict[]): Problem[] {
  const problems: Problem[] = [];
  const ids = new Map<string, { file: string; line: number; col: number }>();
  const tasks = new Map<string, { file: string; line: number; col: number; family: string }>();
  for (const v of verdicts) {
    if (!v.scenarios || !v.source) continue;
    for (const s of v.scenarios.map((l) => l.scenario)) {
      const family = s.family ?? s.id;
      for (const [what, value, seen, pointer] of [
        ['scenario id', s.id, ids, '/id'],
        ['task code', s.task, tasks, '/task'],
      ] as const) {
        if (value === undefined) continue;
        const [line, col] = locate(v.source, pointer);
        const first = seen.get(value.toLowerCase());
        if (first && (what === 'scenario id' || (first as { family?: string }).family !== family)) {
          problems.push({
            file: v.file,
            line,
            col,
            pointer,
            message: `${what} "${value}" is already used by ${first.file}:${first.line}:${first.col}; ${what}s must be unique across the suite`,
          });
        } else if (!first) {
          seen.set(value.toLowerCase(), { file: v.file, line, col, family });
        }
      }
    }
  }
  return problems;
}

function sortProblems(ps: Problem[]): Problem[] {
  return ps.sort((a, b) => a.line - b.line || a.col - b.col);
}
