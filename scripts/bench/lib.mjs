// Shared helpers for the benchmarks under scripts/bench: machine description, medians, child
// processes with peak memory (and CPU, under GNU time), and writing a figure's section of BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
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

/**
 * Runs the real CLI in a child process under GNU time (`/usr/bin/time -v`) and returns its wall
 * time, from spawn to exit (start-up included), with the kernel's accounting of the CLI process:
 * user and system CPU of all its threads (main, writer workers, GC, libuv pool) and its peak
 * resident memory. The kernel hands these over when the process is reaped (wait4), so they count
 * everything up to the last instruction and nothing is loaded into the CLI to collect them; a
 * server the benchmark starts in a process of its own is not counted. `nodeArgs` go before the
 * CLI's path (e.g. `--cpu-prof`); `bin` is another build's CLI (default: this checkout's).
 */
export function runCliTimed(args, { env = {}, cwd = root, nodeArgs = [], bin: cliPath = bin } = {}) {
  if (!existsSync('/usr/bin/time')) throw new Error('runCliTimed needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install time)');
  const timeFile = join(root, 'dist', `.bench-time-${process.pid}-${Date.now()}.txt`);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('/usr/bin/time', ['-v', '-o', timeFile, process.execPath, ...nodeArgs, cliPath, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // The CLI is time's child; its scheduler figures are read while it runs (they go with it).
    let cli;
    let sched;
    const poll = setInterval(() => {
      cli ??= childPid(child.pid);
      if (cli !== undefined) sched = schedStat(cli) ?? sched;
    }, 200);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      const ms = performance.now() - start;
      const report = existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
      rmSync(timeFile, { force: true });
      const field = (name) => Number(new RegExp(`^\\s*${name}: ([\\d.]+)$`, 'm').exec(report)?.[1] ?? NaN);
      const userMs = field('User time \\(seconds\\)') * 1000;
      const systemMs = field('System time \\(seconds\\)') * 1000;
      const peakMiB = field('Maximum resident set size \\(kbytes\\)') / 1024;
      resolve({ code, ms, userMs, systemMs, cpuMs: userMs + systemMs, peakMiB, sched, stdout, stderr });
    });
  });
}

/** The pid of a process whose parent is `ppid` (Linux /proc; undefined when none or elsewhere). */
function childPid(ppid) {
  if (!existsSync('/proc')) return undefined;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // The command name in field 2 may hold spaces; the fields after its ')' do not.
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) return Number(d);
    } catch {
      // gone since readdir
    }
  }
  return undefined;
}

/**
 * How long a process's main thread ran on a CPU and how long it waited, runnable, for one
 * (the run queue), in ms so far, and the same summed over all its threads; from
 * /proc/<pid>/task/<tid>/schedstat (Linux). A thread that waits long on the run queue is being
 * starved of CPU, by whatever else is running. Undefined when it cannot be read.
 */
export function schedStat(pid) {
  try {
    const all = { runMs: 0, waitMs: 0 };
    let main;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8')
        .split(' ')
        .map((n) => Number(n) / 1e6);
      all.runMs += run;
      all.waitMs += wait;
      if (Number(tid) === pid) main = { runMs: run, waitMs: wait };
    }
    return main && { main, all };
  } catch {
    return undefined;
  }
}

/**
 * CPU time the whole machine has spent busy (every process, every core) since boot, in ms, from
 * /proc/stat (Linux; NaN elsewhere). The difference over a run, less what the benchmark's own
 * processes used, is what other work on the machine took from it.
 */
export function machineBusyMs() {
  if (!existsSync('/proc/stat')) return NaN;
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  // /proc/stat counts in USER_HZ ticks, 100 a second on Linux.
  return (user + nice + system + irq + softirq + steal) * 10;
}

/**
 * Waits until other work leaves the machine nearly idle (under `cores` busy over `windowMs`),
 * for at most `maxWaitMs`; a benchmark that times a run against its ideal is meaningless while
 * someone else's tests hold the cores. Resolves with the last busy figure either way.
 */
export async function waitForQuiet({ cores = 0.15, windowMs = 3000, maxWaitMs = 600_000, log = () => {} } = {}) {
  const start = Date.now();
  for (;;) {
    const before = machineBusyMs();
    await new Promise((r) => setTimeout(r, windowMs));
    const busy = (machineBusyMs() - before) / windowMs;
    if (!(busy >= cores) || Date.now() - start >= maxWaitMs) return busy;
    log(`waiting for a quiet machine: ${busy.toFixed(2)} cores busy`);
  }
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
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}
