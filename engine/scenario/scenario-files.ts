import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import type { Problem } from '../errors.js';
import { ScenarioError } from '../errors.js';
import type { LoadedScenario } from './scenario.js';
import { suiteChecks, validateScenarioBytes, type FileVerdict, type InstanceChoice } from './validate.js';

const SCENARIO_FILE = /\.ya?ml$/i;

export interface SuiteVerdict {
  verdicts: FileVerdict[];
  /** Problems not tied to one file's content: missing paths, empty folders, duplicate ids. */
  problems: Problem[];
}

/** Expands paths (files or folders, searched recursively) to scenario files, sorted. */
async function expand(paths: readonly string[], cwd: string): Promise<{ files: string[]; problems: Problem[] }> {
  const files: string[] = [];
  const problems: Problem[] = [];
  const show = (p: string) => (isAbsolute(p) ? relative(cwd, p) || '.' : p);
  for (const p of paths) {
    const abs = isAbsolute(p) ? p : join(cwd, p);
    let info: Stats;
    try {
      info = await stat(abs);
    } catch {
      problems.push({ file: p, line: 1, col: 1, message: 'no such file or folder; check the path' });
      continue;
    }
    if (info.isFile()) {
      files.push(p);
      continue;
    }
    const found = (await readdir(abs, { recursive: true, withFileTypes: true }))
      .filter((d) => d.isFile() && SCENARIO_FILE.test(d.name) && !d.name.startsWith('.'))
      .map((d) => show(join(d.parentPath, d.name)))
      .sort();
    if (found.length === 0) problems.push({ file: p, line: 1, col: 1, message: 'folder holds no scenario files (*.yaml or *.yml); point at a folder of scenarios' });
    files.push(...found);
  }
  return { files: [...new Set(files)], problems };
}

/** Reads and validates every scenario under `paths`, reporting every problem at once. */
export async function validateSuite(paths: readonly string[], opts: { cwd?: string; instances?: InstanceChoice } = {}): Promise<SuiteVerdict> {
  const cwd = opts.cwd ?? process.cwd();
  const { files, problems } = await expand(paths, cwd);
  const verdicts: FileVerdict[] = [];
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(isAbsolute(file) ? file : join(cwd, file));
    } catch (cause) {
      verdicts.push({ file, problems: [{ file, line: 1, col: 1, message: `cannot read the file: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}` }] });
      continue;
    }
    verdicts.push(validateScenarioBytes(file, bytes, opts.instances));
  }
  return { verdicts, problems: [...problems, ...suiteChecks(verdicts)] };
}

/** Loads a suite for use (a template gives its chosen instances), or throws a ScenarioError listing every problem. */
export async function loadSuite(paths: readonly string[], opts: { cwd?: string; instances?: InstanceChoice } = {}): Promise<LoadedScenario[]> {
  const v = await validateSuite(paths, opts);
  const all = [...v.verdicts.flatMap((f) => f.problems), ...v.problems];
  if (all.length > 0) throw new ScenarioError(all);
  return v.verdicts.flatMap((f) => f.scenarios ?? []);
}
