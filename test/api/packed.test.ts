import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

/**
 * The package as another project gets it: `npm pack`, installed from the tarball into a fresh
 * project, used through `import ... from 'driftbench'` in JavaScript, and type-checked from
 * TypeScript against the shipped .d.ts files. No network: npm runs offline from the cache
 * `npm ci` filled, with a proxy on a closed port so that any fetch that slipped through fails at
 * once. (The registry itself cannot be pointed at that port: npm's cache is keyed by registry
 * URL, so a different registry would find nothing cached.)
 */
const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const NO_NETWORK = {
  npm_config_offline: 'true',
  npm_config_proxy: 'http://127.0.0.1:9',
  npm_config_https_proxy: 'http://127.0.0.1:9',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};
/** npm with what `npm test` exported for its own scripts left out (a lifecycle event, a prefix). */
const npmEnv = () => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_'))),
  ...NO_NETWORK,
});

let tmp: string;
let project: string;
let packed: string[];

beforeAll(async () => {
  // npm test builds dist/ first; building here as well (npm pack's prepare) would swap dist/ under
  // the CLI tests running beside this one, so pack what is built.
  if (!existsSync(join(repoRoot, 'dist', 'engine', 'index.js'))) throw new Error('dist/ is not built: run npm run build (npm test does)');
  tmp = await mkdtemp(join(tmpdir(), 'driftbench-packed-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: repoRoot, env: npmEnv() });
  const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packed = info!.files.map((f) => f.path);
  const tarball = join(tmp, info!.filename);

  // `npm install <tarball>` would resolve the dependencies' version ranges, which needs the
  // registry's package documents; npm ci keeps none (the lockfile pins every version), so offline
  // that fails with ENOTCACHED. A lockfile made from this repository's own (its runtime entries:
  // the versions the tests ran with) lets npm install the tarball and its dependencies from the
  // cached tarballs alone, as `npm ci` does here.
  project = join(tmp, 'project');
  await mkdir(project);
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
  const lock = JSON.parse(await readFile(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { driftbench: spec } },
    'node_modules/driftbench': { version: pkg.version, resolved: spec, dependencies: pkg.dependencies },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path.startsWith('node_modules/') && entry.dev !== true) packages[path] = entry;
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { driftbench: spec } }));
  await writeFile(join(project, 'package-lock.json'), JSON.stringify({ name: 'consumer', lockfileVersion: 3, requires: true, packages }));
  // --legacy-peer-deps: Mem0's client declares peers driftbench does not use (this repo's .npmrc).
  await run('npm', ['ci', '--legacy-peer-deps'], { cwd: project, env: npmEnv() });
}, 180_000);

afterAll(async () => {
  if (tmp && !process.env.KEEP_PACKED) await rm(tmp, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the built engine with its types, data, schemas and scenarios, and no tests or sources', () => {
    for (const f of [
      'dist/engine/index.js',
      'dist/engine/index.d.ts',
      'dist/engine/api/run.d.ts',
      'dist/engine/bin/driftbench.js',
      'engine/data/model-profiles.json',
      'engine/data/axes.json',
      'schemas/scenario.schema.json',
      'scenarios/t1-cascading-migration.yaml',
    ]) {
      expect(packed).toContain(f);
    }
    expect(packed.filter((f) => /\.test\.|^dist\/test\/|^test\/|^engine\/.*\.ts$/.test(f))).toEqual([]);
  });

  it('runs validate -> run (rehearsal) -> score -> report through the API, printing nothing itself', async () => {
    await cp(join(repoRoot, 'scenarios', 't1-cascading-migration.yaml'), join(project, 'scenarios', 't1-cascading-migration.yaml'));
    await writeFile(
      join(project, 'use.mjs'),
      `import { validate, run, score, report } from 'driftbench';
const lines = [];
const at = (level) => (_fields, message) => void lines.push(level + ': ' + message);
const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
const events = [];
const checked = await validate('scenarios', { logger });
const { dir, manifest } = await run({ scenarios: 'scenarios', efforts: ['default'], repeats: 1, instances: 1, runName: 'api', logger, onEvent: (e) => events.push(e.type) });
const scores = await score(dir, { logger });
const { report: r, rendered } = await report(dir, { logger, format: 'markdown' });
console.log(JSON.stringify({ checked: { ok: checked.ok, ids: [...new Set(checked.valid.map((v) => v.scenario.family))] }, dir, manifest, scores, runs: r.runs, rendered, events, lines }));
`,
    );
    const { stdout, stderr } = await run(process.execPath, ['use.mjs'], { cwd: project, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    expect(stderr).toBe('');
    // Exactly what the script printed: one line of JSON.
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    const out = JSON.parse(stdout);
    expect(out.checked).toEqual({ ok: true, ids: ['t1-cascading-migration'] });
    expect(out.dir).toBe(join(project, 'transcripts', 'api'));
    expect(out.manifest.plan.provider).toBe('rehearsal');
    expect(out.manifest.counts).toMatchObject({ conversations: 2, complete: 2, errored: 0 });
    expect(out.scores).toHaveLength(1);
    expect(out.scores[0].summary.conversations).toBe(out.manifest.counts.conversations);
    expect(out.runs.map((x: { run_id: string }) => x.run_id)).toEqual(['api']);
    expect(out.rendered).toContain('rehearsal:pass');
    expect(out.events[0]).toBe('run-started');
    expect(out.events.at(-1)).toBe('run-done');
    expect(out.lines).toContain(
      "warn: No ANTHROPIC_API_KEY set: running the offline rehearsal (rehearsal:pass and rehearsal:fail replay each scenario's fixtures; no network, no cost).",
    );
    expect(out.lines).toContain('info: run done');
    expect(out.lines.some((l: string) => l.startsWith('info: scored 2 conversations of api with judge heuristic'))).toBe(true);
  }, 60_000);

  it('type-checks TypeScript that uses the API, and the README example, against the shipped .d.ts', async () => {
    await writeFile(
      join(project, 'use.ts'),
      `import { diff, report, run, score, validate, ScenarioError, DriftbenchError, type Logger, type ReplayEvent, type Report, type RunResult, type ScoreResult, type ValidateResult, type RunDiff, type TranscriptDiff } from 'driftbench';
const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const v: ValidateResult = await validate(['scenarios'], { logger });
const r: RunResult = await run({ scenarios: 'scenarios', repeats: 1, concurrency: 2, onEvent: (e: ReplayEvent) => void e.type });
const s: ScoreResult[] = await score(r.dir, { judge: 'heuristic' });
const rep: Report = (await report([r.dir], { format: 'json' })).report;
const d: RunDiff | TranscriptDiff = (await diff(r.dir, r.dir)).diff;
const e: DriftbenchError = new ScenarioError(v.problems);
// The types say something: a wrong option is an error, not an any.
// @ts-expect-error repeats is a number
await run({ scenarios: 'scenarios', repeats: 'one' });
// @ts-expect-error no such format
await report(r.dir, { format: 'pdf' });
export const all = [s.length, rep.runs.length, d.format, e.exitCode, r.manifest.counts.complete] as const;
`,
    );
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const example = /## Programmatic use[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    await writeFile(join(project, 'readme-example.ts'), `${example}\nexport {};\n`);
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'node16',
          moduleResolution: 'node16',
          strict: true,
          noEmit: true,
          // Off, as a strict consumer has it: the shipped .d.ts and every declaration they pull in
          // (the SDK's, pino's) are checked too. The slow part of this test (~20 s).
          skipLibCheck: false,
          // The consumer's own @types/node; this project installs none, so borrow the repository's.
          typeRoots: [join(repoRoot, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['use.ts', 'readme-example.ts'],
      }),
    );
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((e: { stdout: string }) => e);
    expect(result.stdout).toBe('');
  }, 120_000);
});
