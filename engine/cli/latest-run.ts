import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UsageError } from '../errors.js';

/** Where `run` writes run directories unless told otherwise (`--out`). */
export const DEFAULT_RUNS_DIR = 'transcripts';

/**
 * The run directories a command was given, with `latest` (or nothing at all) meaning the newest
 * run under `transcripts/`: the one whose manifest was created last. Says which it took, so a
 * report never reads another run than the user thinks.
 */
export async function resolveRuns(given: readonly string[], deps: { cwd: string; err: (line: string) => void }): Promise<string[]> {
  if (given.length > 0 && !given.includes('latest')) return [...given];
  const latest = await newestRun(join(deps.cwd, DEFAULT_RUNS_DIR));
  if (latest === undefined) {
    throw new UsageError(`no run under ${DEFAULT_RUNS_DIR}/ to take as the latest; run one (driftbench run), or name a run directory`);
  }
  const shown = relative(deps.cwd, latest) || latest;
  deps.err(`latest run: ${shown}`);
  return given.length === 0 ? [latest] : given.map((g) => (g === 'latest' ? latest : g));
}

async function newestRun(root: string): Promise<string | undefined> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  let best: { dir: string; at: string } | undefined;
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const dir = join(root, e.name);
    const manifest = await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => undefined);
    if (manifest === undefined) continue;
    let at: unknown;
    try {
      at = (JSON.parse(manifest) as { created_at?: unknown }).created_at;
    } catch {
      continue; // a damaged manifest is not a run to pick; the commands that read it say why
    }
    if (typeof at === 'string' && (best === undefined || at > best.at)) best = { dir, at };
  }
  return best?.dir;
}
