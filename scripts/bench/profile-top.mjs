// Reads the .cpuprofile files `node --cpu-prof` wrote into a directory (one per thread) and
// lists where the CPU went: self time by function and by where the code lives (a package under
// node_modules, a folder of dist/engine, node's internals, GC). Used by replay-scale.bench.mjs
// --cpu-prof; also runnable on its own: node scripts/bench/profile-top.mjs DIR [N]
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where a function's code lives, coarse enough to add up. */
function placeOf(url, functionName) {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const engine = /dist\/engine\/([^/]+)/.exec(url);
  if (engine) return `engine/${engine[1].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^file:\/\//, '');
}

/** A text report of the N functions and the places with the most self time, over every profile in `dir`. */
export async function topSelfTime(dir, n = 20) {
  const byFunction = new Map();
  const byPlace = new Map();
  const lines = [];
  let busy = 0;
  for (const f of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(await readFile(join(dir, f), 'utf8'));
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    let threadBusy = 0;
    profile.samples.forEach((id, i) => {
      const { functionName, url, lineNumber } = nodes.get(id).callFrame;
      if (functionName === '(idle)') return;
      const us = profile.timeDeltas[i] ?? 0;
      threadBusy += us;
      const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + us);
      const place = placeOf(url, functionName);
      byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    });
    busy += threadBusy;
    lines.push(`${f}: ${(threadBusy / 1000).toFixed(0)} ms busy`);
  }
  const table = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  return [
    `${(busy / 1000).toFixed(0)} ms of samples not idle, over ${lines.length} thread(s):`,
    ...lines.map((l) => `  ${l}`),
    'self time by place:',
    table(byPlace),
    'self time by function:',
    table(byFunction),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await topSelfTime(process.argv[2] ?? '.', Number(process.argv[3] ?? 20)));
}
