import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

/**
 * The data flow of ARCHITECTURE.md, checked: each stage under engine/ imports only from the
 * stages before it, and no module imports itself back through others. `api` comes after `cli`
 * because the programmatic API composes the command functions (with a logger for their output);
 * nothing in `cli` or `bin` imports it.
 */
const ORDER = ['schemas', 'scenario', 'models', 'plan', 'transcript', 'memory', 'providers', 'replay', 'import', 'score', 'stats', 'report', 'diff', 'cli', 'api', 'bin'];
/** Files at engine/ itself: shared by every stage. */
const SHARED = '.';

const engine = join(repoRoot, 'engine');
const files = (readdirSync(engine, { recursive: true, withFileTypes: true }) as Array<{ name: string; parentPath: string; isFile(): boolean }>)
  .filter((d) => d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.test.ts'))
  .map((d) => join(d.parentPath, d.name));

/** Relative imports of a file, static and dynamic, type-only included (they couple stages too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}
const stageOf = (file: string) => {
  const rel = relative(engine, file).split('/');
  return rel.length === 1 ? SHARED : rel[0]!;
};

describe('the engine keeps its data flow', () => {
  it('has no import cycles', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((x) => relative(engine, x)).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('imports only from earlier stages', () => {
    const backwards: string[] = [];
    for (const f of files) {
      const from = stageOf(f);
      if (from === SHARED) continue;
      for (const t of importsOf(f)) {
        const to = stageOf(t);
        if (to === SHARED || to === from) continue;
        if (!ORDER.includes(from) || !ORDER.includes(to) || ORDER.indexOf(to) > ORDER.indexOf(from)) backwards.push(`${relative(engine, f)} -> ${relative(engine, t)}`);
      }
    }
    expect(backwards).toEqual([]);
  });
});
