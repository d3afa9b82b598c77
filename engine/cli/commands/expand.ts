import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { ScenarioError, UsageError } from '../../errors.js';
import { validateSuite } from '../../scenario/scenario-files.js';
import { describeValues, type Values } from '../../scenario/template.js';
import { writeFileDurably } from '../../transcript/atomic-write.js';
import type { Output } from '../output.js';

export interface ExpandOptions {
  template: string;
  /** How many instances (default: every combination, up to the cap). */
  instances?: number | undefined;
  seed?: number | undefined;
  /** The folder the instance files go to (default: `<template id>-instances` in the working directory). */
  out?: string | undefined;
}

/**
 * `driftbench expand`: writes a template's instances as plain scenario files, named by their
 * ids. The same template, count and seed always give the same files, so a folder of instances
 * can be checked in and reviewed; `run` takes the template directly and never needs this.
 */
export async function expandCommand(o: ExpandOptions, deps: { output: Output; cwd: string }): Promise<string[]> {
  const suite = await validateSuite([o.template], { cwd: deps.cwd, instances: { count: o.instances, seed: o.seed } });
  const problems = [...suite.verdicts.flatMap((v) => v.problems), ...suite.problems];
  if (problems.length > 0) throw new ScenarioError(problems);
  if (suite.verdicts.length !== 1) throw new UsageError(`${o.template}: expand takes one template file, and this path holds ${suite.verdicts.length} scenario files`);
  const v = suite.verdicts[0]!;
  if (!v.template) throw new UsageError(`${o.template}: not a template (it declares no variables); it is already a plain scenario`);
  const out = o.out ?? `${v.template.id}-instances`;
  const dir = isAbsolute(out) ? out : join(deps.cwd, out);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const l of v.scenarios ?? []) {
    const file = join(dir, `${l.scenario.id}.yaml`);
    await writeFileDurably(file, l.bytes);
    written.push(file);
    deps.output.out(`${relative(deps.cwd, file) || file}: ${describeValues(l.scenario.instance!.values as Values)}`);
  }
  const t = v.template;
  deps.output.out(
    `${written.length} instance${written.length === 1 ? '' : 's'} of ${t.id} written${t.chosen < t.total ? ` (${t.chosen} of ${t.total} combinations, seed ${o.seed ?? 0})` : ''}`,
  );
  return written;
}
