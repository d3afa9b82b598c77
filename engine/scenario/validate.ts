import { createHash } from 'node:crypto';
import type { Problem } from '../errors.js';
import { validatorFor } from '../schemas/compile.js';
import { explainSchemaErrors, type Explained } from './explain-schema-errors.js';
import type { LoadedScenario, Scenario } from './scenario.js';
import { semanticChecks } from './semantic-checks.js';
import { locate, parseYaml, type YamlSource } from './yaml-source.js';

export interface FileVerdict {
  file: string;
  problems: Problem[];
  loaded?: LoadedScenario;
  source?: YamlSource;
}

const PROBE_KINDS = ['regex', 'words', 'sentences', 'language', 'json'] as const;

/** Validates one scenario file's bytes: YAML, schema, then semantics. Pure; no I/O. */
export function validateScenarioBytes(file: string, bytes: Uint8Array): FileVerdict {
  const parsed = parseYaml(file, bytes);
  if (!parsed.ok) return { file, problems: parsed.problems };
  const { source, value } = parsed;
  const validate = validatorFor<Scenario>('scenario');
  const toProblem = (e: Explained): Problem => {
    const [line, col] = locate(source, e.pointer, e.key === undefined ? {} : { key: e.key });
    return { file, line, col, message: e.message, pointer: e.pointer + (e.key !== undefined ? `/${e.key}` : '') };
  };
  if (!validate(value)) {
    return { file, source, problems: sortProblems(explainSchemaErrors(validate.errors ?? [], PROBE_KINDS).map(toProblem)) };
  }
  const problems = sortProblems(semanticChecks(value).map(toProblem));
  if (problems.length > 0) return { file, source, problems };
  const hash = createHash('sha256').update(bytes).digest('hex');
  return { file, source, problems: [], loaded: { file, hash, bytes, scenario: value } };
}

/** Checks across files: scenario ids and task codes are unique in a suite. */
export function suiteChecks(verdicts: readonly FileVerdict[]): Problem[] {
  const problems: Problem[] = [];
  const ids = new Map<string, { file: string; line: number; col: number }>();
  const tasks = new Map<string, { file: string; line: number; col: number }>();
  for (const v of verdicts) {
    if (!v.loaded || !v.source) continue;
    const s = v.loaded.scenario;
    for (const [what, value, seen, pointer] of [
      ['scenario id', s.id, ids, '/id'],
      ['task code', s.task, tasks, '/task'],
    ] as const) {
      if (value === undefined) continue;
      const [line, col] = locate(v.source, pointer);
      const first = seen.get(value.toLowerCase());
      if (first) {
        problems.push({
          file: v.file,
          line,
          col,
          pointer,
          message: `${what} "${value}" is already used by ${first.file}:${first.line}:${first.col}; ${what}s must be unique across the suite`,
        });
      } else {
        seen.set(value.toLowerCase(), { file: v.file, line, col });
      }
    }
  }
  return problems;
}

function sortProblems(ps: Problem[]): Problem[] {
  return ps.sort((a, b) => a.line - b.line || a.col - b.col);
}
