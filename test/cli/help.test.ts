import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEMORY_LAYERS } from '../../engine/memory/index.js';
import { repoRoot, runBin, STACK_LINE } from '../helpers/cli.js';

// Issue 15, point 9: every command's help, read from the real binary at 80 columns.
const COMMANDS = ['validate', 'list', 'run', 'plan', 'models', 'score', 'calibrate', 'import', 'import multichallenge', 'import mtbench', 'merge', 'report', 'diff'];
const env = { COLUMNS: '80' };

const help = async (command: string) => {
  const r = await runBin([...command.split(' ').filter(Boolean), '--help'], { env });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};

/** Help text with commander's wrapping undone: one space between words. */
const unwrapped = (text: string) => text.replace(/\s+/g, ' ');

/** The values an option's help lists as `(choices: a, b, c; ...)` or `(choices: a, b, c)`. */
function choicesOf(text: string, flag: string): string[] {
  const m = new RegExp(`${flag} <\\w+> [^(]*(?:\\([^)]*\\)[^(]*)*?\\(choices: ([^;)]*)`).exec(unwrapped(text));
  expect(m, `${flag} lists its choices`).not.toBeNull();
  return m![1]!.split(', ').map((x) => x.trim());
}

const schema = async (name: string) => JSON.parse(await readFile(join(repoRoot, 'schemas', `${name}.schema.json`), 'utf8')) as Record<string, unknown>;

describe('driftbench --help', () => {
  it('shows the flow from scenarios to a report, with an example of each stage', async () => {
    const text = await help('');
    expect(text).toContain('The flow: validate -> run -> score -> report (or diff)');
    const examples = text.slice(text.indexOf('Examples:'));
    for (const stage of ['validate', 'run', 'score', 'report']) expect(examples).toMatch(new RegExp(`^  driftbench ${stage}\\b`, 'm'));
    expect(text).toContain("Each command's options and examples: driftbench <command> --help");
  });

  it.each(COMMANDS)('%s --help ends with one or two examples that use only its own options', async (command) => {
    const text = await help(command);
    const [, block] = /\nExamples?:\n((?: {2}.*\n?)+)$/.exec(text) ?? [];
    expect(block, `${command} --help has examples at the end`).toBeDefined();
    const examples = block!.trimEnd().split('\n');
    expect(examples.length).toBeGreaterThanOrEqual(1);
    expect(examples.length).toBeLessThanOrEqual(2);
    for (const e of examples) {
      expect(e).toMatch(new RegExp(`^  driftbench ${command}\\b`));
      // The options it uses are in the help of the command it runs (`import` shows its subcommands').
      const runs = COMMANDS.filter((c) => e.startsWith(`  driftbench ${c} `)).at(-1) ?? command;
      const own = runs === command ? text : await help(runs);
      const options = own.slice(0, own.indexOf('\nExample'));
      for (const [flag] of e.matchAll(/--[a-z-]+/g)) expect(options, `${e}: ${flag}`).toMatch(new RegExp(`^ +(?:-\\w, )?${flag}\\b`, 'm'));
    }
  });

  it.each(['', ...COMMANDS])('%s --help writes defaults one way and fits 80 columns', async (command) => {
    const text = await help(command);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    const flat = unwrapped(text);
    // commander's `(default: "x")` and hand-written `(default x)` are both gone: `(default: x)` or `; default: x)`.
    expect(flat).not.toMatch(/default: ["[]/);
    expect(flat).not.toMatch(/\(default [^:]/);
    expect(flat).not.toMatch(/choices: "/);
    const all = flat.match(/default: /g)?.length ?? 0;
    expect((flat.match(/\(default: /g)?.length ?? 0) + (flat.match(/; default: /g)?.length ?? 0)).toBe(all);
  });

  it('shows the defaults of run, plan and score', async () => {
    const run = unwrapped(await help('run'));
    expect(run).toContain('paths scenario files or folders (default: scenarios)');
    expect(run).toContain('--out <dir> where run directories go (default: transcripts)');
    expect(run).toContain('--concurrency <n> conversations at once; steps within one stay sequential (default: 4)');
    expect(run).toContain("--repeats <n> conversations per scenario and cell (default: 3, or the matrix file's)");
    const plan = unwrapped(await help('plan'));
    expect(plan).toContain('--power <p> the power wanted (default: 0.8)');
    expect(plan).toContain('--icc <r> the within-scenario correlation (default: estimated from the run given, else 0.35)');
    const score = unwrapped(await help('score'));
    expect(score).toContain('--judge-provider <name> anthropic or openrouter (default: anthropic)');
  });
});

describe('option lists come from the data, and the README says the same', () => {
  it('run --effort lists every effort of the matrix schema, --condition every memory layer (mem0 too), --axis every preset', async () => {
    const text = await help('run');
    const matrix = (await schema('matrix')) as { properties: { efforts: { items: { enum: string[] } } } };
    expect(choicesOf(text, '--effort')).toEqual(matrix.properties.efforts.items.enum);
    expect(choicesOf(text, '--condition')).toEqual(Object.keys(MEMORY_LAYERS));
    expect(choicesOf(text, '--condition')).toContain('mem0');
    const axes = JSON.parse(await readFile(join(repoRoot, 'engine/data/axes.json'), 'utf8')) as object;
    expect(choicesOf(text, '--axis')).toEqual(Object.keys(axes));
  });

  it('score and calibrate --judge-effort list every effort level of the profiles schema', async () => {
    const profiles = (await schema('model-profiles')) as { $defs: { effortLevel: { enum: string[] } } };
    for (const command of ['score', 'calibrate']) expect(choicesOf(await help(command), '--judge-effort')).toEqual(profiles.$defs.effortLevel.enum);
  });

  it('the README lists the same efforts and conditions as run --help', async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const usage = /```\ndriftbench run \[paths\.\.\.\][^`]*```/.exec(readme)?.[0];
    expect(usage, 'the README has the run usage block').toBeDefined();
    const listed = (flag: string) => new RegExp(`\\[${flag} ([\\w,]+)\\]`).exec(usage!)?.[1]?.split(',');
    const text = await help('run');
    expect(listed('--effort')).toEqual(choicesOf(text, '--effort'));
    expect(listed('--condition')).toEqual(choicesOf(text, '--condition'));
  });
});

describe('a usage error points to the help of its command', () => {
  it.each([
    [['run', '--frobnicate'], "unknown option '--frobnicate'", 'driftbench run'],
    [['report', '--format', 'pdf'], "argument 'pdf' is invalid", 'driftbench report'],
    [['import', 'mtbench'], "missing required argument 'questions'", 'driftbench import mtbench'],
    [['frobnicate'], "unknown command 'frobnicate'", 'driftbench'],
    // UsageErrors the commands throw themselves, after parsing.
    [['run', '--provider', 'rehearsal', '--effort', 'hgh'], '--effort hgh: choose from default, standard', 'driftbench run'],
    [['plan', '--difference', '2'], '--difference: a difference in failure rate between 0 and 1', 'driftbench plan'],
    [['calibrate', '--format', 'json'], '--format json needs --labels FILE', 'driftbench calibrate'],
  ])('%j', async (args, message, command) => {
    const r = await runBin(args, { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(`see: ${command} --help`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('other errors do not: a missing run directory is not a usage error', async () => {
    const r = await runBin(['report', join(repoRoot, 'no-such-run')], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('see: ');
  });
});
