// Builds dist/ as a whole, then swaps it in: tsc writes each file in place (emptied, then
// written), so a CLI started while a build runs could load an empty module and crash. That was
// the cause of the intermittent "exit 1 where 2 was expected" in test/validate (a build running
// beside the test suite, for example `npm run bench` during `npm test`). Building into a fresh
// folder and renaming it into place shrinks that window from seconds to two renames.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const dist = join(root, 'dist');
const stage = mkdtempSync(join(root, '.build-'));
try {
  for (const project of ['tsconfig.build.json', 'tsconfig.support.json']) {
    execFileSync(process.execPath, [tsc, '-p', join(root, project), '--outDir', stage], { stdio: 'inherit' });
  }
  // tsc does not set the executable bit, and npx needs it on the bin.
  chmodSync(join(stage, 'engine', 'bin', 'driftbench.js'), 0o755);
  const old = `${stage}-old`;
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(stage, dist);
  rmSync(old, { recursive: true, force: true });
} catch (e) {
  rmSync(stage, { recursive: true, force: true });
  process.exitCode = 1;
  if (e?.status === undefined) throw e; // tsc printed its own errors
}
