// Shared helpers for the benchmarks under scripts/bench: machine description, medians, child
// processes with peak memory, and writing a figure's section of BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = join(root, 'dist', 'engine', 'bin', 'driftbench.js');

export function machine() {
  const c = cpus();
  return `${c.length} x ${c[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function median(xs) {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * Runs the real CLI in a child process and returns its wall time and peak resident memory.
 * Peak memory comes from the child itself (process.resourceUsage().maxRSS, in KiB), written
 * to a file at exit by a preloaded module, so nothing about the CLI is changed for the bench.
 */
export function runCli(args, { env = {}, cwd = root } = {}) {
  const rssFile = join(root, 'dist', `.bench-rss-${process.pid}-${Date.now()}.txt`);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['--import', join(root, 'scripts', 'bench', 'report-rss.mjs'), bin, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', DRIFTBENCH_RSS_FILE: rssFile, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - start;
      const rssKiB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : NaN;
      resolve({ code, ms, peakMiB: rssKiB / 1024, stdout, stderr });
    });
  });
}

/** Replaces (or appends) the section `name` of BENCHMARKS.md with `body`. */
export function writeSection(name, title, body) {
  const file = join(root, 'BENCHMARKS.md');
  const header = `# Benchmarks\n\nEach section is written by a script under \`scripts/bench/\`; \`npm run bench\` runs them all.\nFigures are medians of several runs on the machine named in the section. These machines are\nnoisy, so the figures are checked here, not by timed tests.\n`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const section = `${start}\n## ${title}\n\n${body.trim()}\n${end}`;
  const re = new RegExp(`${start}[\\s\\S]*?${end}`);
  text = re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, text.endsWith('\n') ? text : text + '\n');
}
