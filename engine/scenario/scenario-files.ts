import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import type { Problem } from '../errors.js';
import { ScenarioError } from '../errors.js';
import type { LoadedScenario } from './scenario.js';
import { isStackOverflow, TOO_DEEP } from './yaml-source.js';
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
    // A FIFO would block the read for ever, /dev/zero never ends, and readdir on either fails
    // with ENOTDIR: anything but a file or a folder is refused, with what it is.
    if (!info.isDirectory()) {
      problems.push({ file: p, line: 1, col: 1, message: `${kindOf(info)}, not a scenario file or folder; give a .yaml file or a folder of them` });
      continue;
    }
    const found: string[] = [];
    for (const d of await readdir(abs, { recursive: true, withFileTypes: true })) {
      if (d.name.startsWith('.')) continue;
      const path = join(d.parentPath, d.name);
      if (d.isFile()) {
        if (SCENARIO_FILE.test(d.name)) found.push(show(path));
        continue;
      }
      if (d.isDirectory() || (!d.isSymbolicLink() && !SCENARIO_FILE.test(d.name))) continue;
      // A symlink is followed to a file (it is read like any other: a link to a file already in
      // the suite then shows as a duplicate id); a link to a folder, a device, a FIFO or nothing
      // is refused by name, never skipped silently.
      const target = await stat(path).catch(() => undefined);
      const refuse = (message: string) => problems.push({ file: show(path), line: 1, col: 1, message });
      if (target === undefined) refuse('a symlink to nothing (its target is gone); remove it or fix its target');
      else if (target.isDirectory()) refuse('a symlink to a folder is not followed inside a folder; give the folder it points to as a path of its own');
      else if (!target.isFile()) refuse(`${d.isSymbolicLink() ? 'a symlink to ' : ''}${kindOf(target)}, not a scenario file; remove it from the folder`);
      else if (SCENARIO_FILE.test(d.name)) found.push(show(path));
      // else: a link to a file without a scenario name, like any other such file, is not read.
    }
    found.sort();
    if (found.length === 0 && !problems.some((x) => x.file.startsWith(show(abs)))) {
      problems.push({ file: p, line: 1, col: 1, message: 'folder holds no scenario files (*.yaml or *.yml); point at a folder of scenarios' });
    }
    files.push(...found);
  }
  return { files: [...new Set(files)], problems };
}

function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  if (info.isDirectory()) return 'a folder';
  return 'not a regular file';
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
    try {
      verdicts.push(validateScenarioBytes(file, bytes, opts.instances));
    } catch (e) {
      // Deep nesting the parser survived can still overflow a later recursive step (the schema
      // check, template filling): the same clear message, never a stack.
      if (!isStackOverflow(e)) throw e;
      verdicts.push({ file, problems: [{ file, line: 1, col: 1, message: TOO_DEEP }] });
    }
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
