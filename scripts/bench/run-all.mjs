// npm run bench: runs every scripts/bench/*.bench.mjs in turn; each writes its section of BENCHMARKS.md.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib.mjs';

const dir = join(root, 'scripts', 'bench');
let failed = 0;
for (const f of readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .sort()) {
  console.log(`\n== ${f}`);
  const r = spawnSync(process.execPath, [join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
