import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { LocalServer } from '../support/local-server/index.js';
import type { Transcript } from '../../engine/transcript/format.js';
import { binPath, repoRoot } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, replayArgs } from '../helpers/replay.js';

export const STEPS = 3;

/** Answered turns, by conversation and step, with their content: what a crash must not lose. */
export function completed(ts: readonly Transcript[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of ts) for (const turn of t.turns) if (turn.response !== null) m.set(`${t.conversation_id}#${turn.step}`, JSON.stringify(turn.response));
  return m;
}

/**
 * Starts (or resumes) a run of the three-step scenario against `server` in a child process and
 * SIGKILLs it once `extra` more requests have reached the server. Returns whether the run
 * finished on its own before that.
 */
export async function runAndKill(server: LocalServer, out: string, extra: number, conversations: number, concurrency: number, resume: boolean): Promise<boolean> {
  const args = resume
    ? ['run', '--resume', join(out, 'crash'), '--base-url', server.url]
    : replayArgs(server.url, '--repeats', String(conversations), '--concurrency', String(concurrency), '--out', out, '--run-name', 'crash');
  const child = spawn(process.execPath, [binPath, ...args], { cwd: repoRoot, env: { PATH: process.env.PATH, ANTHROPIC_API_KEY: FAKE_KEY, NO_COLOR: '1' }, stdio: 'ignore' });
  let exited = false;
  const done = new Promise<void>((r) =>
    child.on('exit', () => {
      exited = true;
      r();
    }),
  );
  const target = server.messageRequests().length + extra;
  while (!exited && server.messageRequests().length < target) await new Promise((r) => setTimeout(r, 3));
  if (!exited) child.kill('SIGKILL');
  await done;
  return server.messageRequests().length < target;
}

/**
 * Kills a run at `points` random moments and resumes it each time, then checks that no
 * completed turn was lost or changed, that each resume asked again only for turns that were
 * in flight at the kill (at most `concurrency` of them), and that the final transcripts are whole.
 */
export async function crashAndResume(server: LocalServer, out: string, points: number, conversations: number, concurrency: number, random: () => number) {
  let before = new Map<string, string>();
  let sent = 0;
  const wasted: number[] = [];
  for (let k = 0; k < points; k++) {
    const finished = await runAndKill(server, out, 1 + Math.floor(random() * 6), conversations, concurrency, k > 0);
    const now = completed(await readTranscripts(join(out, 'crash')).catch(() => []));
    for (const [key, content] of before) if (now.get(key) !== content) throw new Error(`turn ${key} was lost or changed by the kill`);
    const requests = server.messageRequests().length - sent;
    wasted.push(requests - (now.size - before.size));
    before = now;
    sent = server.messageRequests().length;
    if (finished) break;
  }
  return { before, sent, wasted };
}
