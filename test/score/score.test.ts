import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServer, type LocalServer, type RecordedRequest, type Scripted } from '../support/local-server/index.js';
import type { Scores } from '../../engine/schemas/scores.generated.js';
import type { Transcript } from '../../engine/transcript/format.js';
import { score } from '../../engine/api/score.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, readTranscripts, tempDir } from '../helpers/replay.js';

const THREE = 'test/fixtures/replay/three-steps.yaml';

/** A rehearsal run of the three-step scenario: one pass and one fail conversation. */
async function rehearsalRun(): Promise<string> {
  const out = await tempDir();
  const r = await runBin(['run', THREE, '--provider', 'rehearsal', '--effort', 'high', '--repeats', '1', '--out', out, '--run-name', 'r'], { env: {} });
  expect(r.code).toBe(0);
  return join(out, 'r');
}

const readScores = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Scores;
const userText = (r: RecordedRequest) => (r.body as { messages: Array<{ content: string }> }).messages[0]!.content;

/**
 * A judge that reads the prompt like a careful person would for the three-step scenario:
 * the fail fixture's "Yes, go ahead" violates the budget, and every reply is coherent.
 */
function scriptedJudge(req: RecordedRequest): Scripted {
  const text = userText(req);
  const coherence = text.includes("Does the assistant's step-");
  const verdict = coherence ? 'YES' : text.includes('Yes, go ahead') ? 'YES' : 'NO';
  return { content: [{ type: 'text', text: `{"reasoning": "scripted", "verdict": "${verdict}"}` }] };
}

describe('driftbench score with the heuristic judge', () => {
  it('marks every rehearsal:fail transcript mem_fail YES and every rehearsal:pass NO, and counts citations in both', async () => {
    const out = await tempDir();
    // One instance of every shipped family, at the default efforts.
    expect((await runBin(['run', '--provider', 'rehearsal', '--instances', '1', '--out', out, '--run-name', 'all'], { env: {} })).code).toBe(0);
    const r = await runBin(['score', join(out, 'all'), '--judge', 'heuristic']);
    expect(r.code).toBe(0);
    const n = (await readTranscripts(join(out, 'all'))).length;
    expect(n).toBeGreaterThanOrEqual(144);
    expect(r.stdout).toMatch(new RegExp(`scored ${n} conversations of all with judge heuristic -> .*scores/heuristic\\.json`));
    expect(r.stdout).toContain(`mem_fail: ${n / 2} YES, ${n / 2} NO, 0 unscored`);
    const scores = await readScores(join(out, 'all', 'scores', 'heuristic.json'));
    for (const c of scores.conversations) {
      expect(c.mem_fail.value, c.conversation_id).toBe(c.cell.model === 'rehearsal:fail' ? 'YES' : 'NO');
      expect(c.citations.by_step).not.toEqual({});
    }
    const passCites = scores.conversations.filter((c) => c.cell.model === 'rehearsal:pass').map((c) => c.citations.total);
    const failCites = scores.conversations.filter((c) => c.cell.model === 'rehearsal:fail').map((c) => c.citations.total);
    expect(Math.min(...passCites)).toBeGreaterThan(0);
    expect(failCites.reduce((a, b) => a + b, 0)).toBeLessThan(passCites.reduce((a, b) => a + b, 0));
    expect(scores.scorers).toMatchObject({ mem_fail: '1.1.0', citations: '1.0.0' });
  });

  it('reports a truncated or hand-edited transcript, skips it, and scores the rest', async () => {
    const run = await rehearsalRun();
    const conv = join(run, 'conversations');
    const pass = join(conv, 'minimal-lock-budget__rehearsal_pass__high__r1.json');
    await writeFile(pass, (await readFile(pass, 'utf8')).slice(0, 500));
    const r = await runBin(['score', run, '--judge', 'heuristic']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/skipped .*minimal-lock-budget__rehearsal_pass__high__r1\.json: not valid JSON \(truncated or edited\?\)/);
    expect(r.stderr).not.toMatch(STACK_LINE);
    const scores = await readScores(join(run, 'scores', 'heuristic.json'));
    expect(scores.conversations.map((c) => c.cell.model)).toEqual(['rehearsal:fail']);
    expect(scores.skipped).toHaveLength(1);
  });
});

describe('driftbench score on part of a run', () => {
  const conv = (run: string, name: string) => join(run, 'conversations', `minimal-lock-budget__${name}.json`);
  /** Gives a pass transcript the fail reply at the trap step: the heuristic judge's verdict flips to YES. */
  async function flipToFail(run: string): Promise<void> {
    const fail = JSON.parse(await readFile(conv(run, 'rehearsal_fail__high__r1'), 'utf8')) as Transcript;
    const file = conv(run, 'rehearsal_pass__high__r1');
    const t = JSON.parse(await readFile(file, 'utf8')) as Transcript;
    t.turns[2]!.response!.content = fail.turns[2]!.response!.content;
    await writeFile(file, JSON.stringify(t, null, 2));
  }
  const ids = (s: Scores) => s.conversations.map((c) => `${c.conversation_id} ${c.mem_fail.value}`);

  it("merges one rescored transcript into the run's scores: that one replaced, the rest kept, and says the verdicts differed", async () => {
    const run = await rehearsalRun();
    expect((await runBin(['score', run, '--judge', 'heuristic'])).code).toBe(0);
    const file = join(run, 'scores', 'heuristic.json');
    const before = await readScores(file);
    expect(ids(before)).toEqual(['minimal-lock-budget__rehearsal_fail__high__r1 YES', 'minimal-lock-budget__rehearsal_pass__high__r1 NO']);

    await flipToFail(run);
    const one = await runBin(['score', conv(run, 'rehearsal_pass__high__r1'), '--judge', 'heuristic']);
    expect(one.stderr).not.toMatch(STACK_LINE);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('scored 1 conversation of r with judge heuristic');
    expect(one.stdout).toContain("merged into the run's earlier scores of this judge: 2 conversations in the file");
    expect(one.stdout).toMatch(/the earlier scores of this judge differed; kept as .*scores\/heuristic\.\d{8}T\d{6}Z\.json/);
    const after = await readScores(file);
    expect(ids(after)).toEqual(['minimal-lock-budget__rehearsal_fail__high__r1 YES', 'minimal-lock-budget__rehearsal_pass__high__r1 YES']);
    // The kept entry is the earlier one, as it was.
    expect(after.conversations[0]).toEqual(before.conversations[0]);
    expect(after.verdicts_sha256).not.toBe(before.verdicts_sha256);
    const aside = (await readdir(join(run, 'scores'))).filter((f) => f !== 'heuristic.json');
    expect(aside).toHaveLength(1);
    expect(ids(await readScores(join(run, 'scores', aside[0]!)))).toEqual(ids(before));

    // The same transcript again, and then the whole run: the verdicts are the same, though the
    // scored_at times are not, so nothing is kept aside and nothing is said.
    for (const args of [[conv(run, 'rehearsal_pass__high__r1')], [run]]) {
      const again = await runBin(['score', ...args, '--judge', 'heuristic']);
      expect(again.code).toBe(0);
      expect(again.stdout).not.toContain('differed');
      expect(await readdir(join(run, 'scores'))).toHaveLength(2);
      expect(ids(await readScores(file))).toEqual(ids(after));
    }

    // Only the order, the times, a cache flag and the digest (as an older driftbench computed it,
    // over transcript hashes too) differ: the verdicts are compared one by one, and are the same.
    const shuffled = await readScores(file);
    shuffled.conversations.reverse();
    shuffled.scored_at = '2020-01-01T00:00:00.000Z';
    shuffled.conversations[0]!.mem_fail.judged.votes[0]!.cache = shuffled.conversations[0]!.mem_fail.judged.votes[0]!.cache === 'hit' ? 'miss' : 'hit';
    shuffled.verdicts_sha256 = '0'.repeat(64);
    await writeFile(file, JSON.stringify(shuffled, null, 2));
    const same = await runBin(['score', run, '--judge', 'heuristic']);
    expect(same.code).toBe(0);
    expect(same.stdout).not.toContain('differed');
    expect(await readdir(join(run, 'scores'))).toHaveLength(2);
  }, 90_000);

  // Issue 17: kept-aside files are named to the second; two in one second must not overwrite
  // each other. The API takes the clock, so both scorings happen "at" the same instant.
  it('keeps two earlier scores files scored in the same second side by side, neither overwritten', async () => {
    const run = await rehearsalRun();
    const instant = Date.parse('2026-11-29T12:00:00.000Z');
    const now = () => instant;
    const file = join(run, 'scores', 'heuristic.json');
    const passFile = conv(run, 'rehearsal_pass__high__r1');
    const passText = await readFile(passFile, 'utf8');
    await score(run, { judge: 'heuristic', now });
    const first = await readScores(file);

    await flipToFail(run);
    const [flipped] = await score(run, { judge: 'heuristic', now });
    expect(flipped!.keptPrevious).toBe(join(run, 'scores', 'heuristic.20261129T120000Z.json'));
    const second = await readScores(file);

    await writeFile(passFile, passText); // flipped back: the verdicts differ again
    const [back] = await score(run, { judge: 'heuristic', now });
    expect(back!.keptPrevious).toBe(join(run, 'scores', 'heuristic.20261129T120001Z.json'));
    expect((await readdir(join(run, 'scores'))).sort()).toEqual(['heuristic.20261129T120000Z.json', 'heuristic.20261129T120001Z.json', 'heuristic.json']);
    expect(ids(await readScores(join(run, 'scores', 'heuristic.20261129T120000Z.json')))).toEqual(ids(first));
    expect(ids(await readScores(join(run, 'scores', 'heuristic.20261129T120001Z.json')))).toEqual(ids(second));
    expect(ids(await readScores(file))).toEqual(ids(first));
  });

  it('refuses to merge into scores of other scorer versions, and leaves them as they were', async () => {
    const run = await rehearsalRun();
    expect((await runBin(['score', run, '--judge', 'heuristic'])).code).toBe(0);
    const file = join(run, 'scores', 'heuristic.json');
    const older = await readScores(file);
    older.scorers.mem_fail = '0.9.0';
    await writeFile(file, JSON.stringify(older, null, 2));
    const r = await runBin(['score', conv(run, 'rehearsal_pass__high__r1'), '--judge', 'heuristic']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot merge these conversations into the run's scores: its scorer versions differ (mem_fail 0.9.0 -> 1.1.0)");
    expect(r.stderr).toContain(`rescore the whole run instead: driftbench score ${run}`);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(await readScores(file)).toEqual(older);
    expect(await readdir(join(run, 'scores'))).toEqual(['heuristic.json']);
  });
});

describe('driftbench score with an LLM judge against the local server', () => {
  let server: LocalServer;
  let run: string;
  let cache: string;
  beforeAll(async () => {
    run = await rehearsalRun();
  });
  afterEach(async () => {
    expect(server.unexpected()).toEqual([]);
    await server.close();
  });
  const judgeArgs = (...extra: string[]) => ['score', run, '--judge-base-url', server.url, '--cache-dir', cache, ...extra];
  const env = { ANTHROPIC_API_KEY: FAKE_KEY };

  it('sends the rubric and the judged replies, and is served entirely from the cache the second time', async () => {
    server = await startLocalServer({ responder: scriptedJudge });
    cache = await tempDir();
    const first = await runBin(judgeArgs('--judge', 'claude-sonnet-4-6'), { env });
    expect(first.stderr).not.toMatch(STACK_LINE);
    expect(first.code).toBe(0);
    // Per transcript: one mem_fail judgement and a coherence judgement for steps 2 and 3.
    expect(first.stdout).toContain('judge calls: 6 made, 0 served from the cache');
    const memPrompts = server
      .messageRequests()
      .map(userText)
      .filter((t) => t.includes('Question: Did the step-3 answer break the 200 ms lock budget?'));
    expect(memPrompts).toHaveLength(2);
    const failPrompt = memPrompts.find((p) => p.includes('Yes, go ahead, it is atomic.'))!;
    expect(failPrompt).toContain('[lock-budget] (set in step 1) No migration step may hold a lock longer than 200 ms.');
    expect(failPrompt).toContain('Step 3, user:\n<<<\nShould we add a NOT NULL DEFAULT column to events in one transaction?\n>>>');
    // No temperature: API version 2026-10-21 (SDK 1.x) takes none on any model, so the judge's profile keeps it back.
    expect(server.messageRequests()[0]!.body).toMatchObject({ model: 'claude-sonnet-4-6', max_tokens: 32000 });
    expect(server.messageRequests()[0]!.body).not.toHaveProperty('temperature');

    const scores = await readScores(join(run, 'scores', 'claude-sonnet-4-6.json'));
    const byModel = (m: string) => scores.conversations.find((c) => c.cell.model === m)!;
    expect(byModel('rehearsal:fail').mem_fail).toMatchObject({ value: 'YES', judged: { votes: [{ judge: 'claude-sonnet-4-6', verdict: 'YES', cache: 'miss' }] } });
    expect(byModel('rehearsal:pass').mem_fail.value).toBe('NO');
    expect(byModel('rehearsal:pass').step_coherence.value).toBe(1);

    server.reset();
    const second = await runBin(judgeArgs('--judge', 'claude-sonnet-4-6'), { env });
    expect(second.code).toBe(0);
    // No judge call; only the judge model's lookup (each run has its own Models API cache here).
    expect(server.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /v1/models/claude-sonnet-4-6']);
    expect(second.stdout).toContain('judge calls: 0 made, 6 served from the cache');
    const again = await readScores(join(run, 'scores', 'claude-sonnet-4-6.json'));
    expect(again.conversations.map((c) => c.mem_fail.value)).toEqual(scores.conversations.map((c) => c.mem_fail.value));
    expect(again.conversations[0]!.mem_fail.judged.votes[0]!.cache).toBe('hit');
  });

  it('--no-cache judges again, and a changed verdict keeps the earlier scores file beside the new one', async () => {
    cache = await tempDir();
    server = await startLocalServer({ responder: scriptedJudge });
    expect((await runBin(judgeArgs('--judge', 'claude-opus-4-7', '--no-coherence'), { env })).code).toBe(0);
    expect(server.messageRequests()).toHaveLength(2);
    // The judge changes its mind: everything is a violation now.
    server.reset();
    const flipped = await startLocalServer({ responder: () => ({ content: [{ type: 'text', text: '{"verdict": "YES"}' }] }) });
    const cached = await runBin(['score', run, '--judge-base-url', flipped.url, '--cache-dir', cache, '--judge', 'claude-opus-4-7', '--no-coherence'], { env });
    // Served from the cache: no judge call (the judge model is still looked up, GET /v1/models).
    expect(flipped.messageRequests()).toHaveLength(0);
    expect(cached.stdout).not.toContain('kept as');
    const fresh = await runBin(['score', run, '--judge-base-url', flipped.url, '--cache-dir', cache, '--judge', 'claude-opus-4-7', '--no-coherence', '--no-cache'], { env });
    expect(flipped.messageRequests()).toHaveLength(2);
    expect(fresh.stdout).toMatch(/the earlier scores of this judge differed; kept as .*scores\/claude-opus-4-7\.\d{8}T\d{6}Z\.json/);
    const now = await readScores(join(run, 'scores', 'claude-opus-4-7.json'));
    expect(now.conversations.map((c) => c.mem_fail.value)).toEqual(['YES', 'YES']);
    expect(now.conversations[0]!.mem_fail.judged.votes[0]!.cache).toBe('miss');
    await flipped.close();
  });

  it('takes the majority of k samples and of a panel of judge models', async () => {
    cache = await tempDir();
    const answers: Record<string, string[]> = { 'claude-opus-4-7': ['YES', 'NO', 'YES'], 'claude-opus-4-6': ['NO'], 'claude-sonnet-4-6': ['NO'] };
    const used: Record<string, number> = {};
    server = await startLocalServer({
      responder: (req) => {
        const model = (req.body as { model: string }).model;
        const i = used[model] ?? 0;
        used[model] = i + 1;
        const list = answers[model]!;
        return { content: [{ type: 'text', text: `{"verdict": "${list[i % list.length]}"}` }] };
      },
    });
    // One transcript at a time, so each conversation gets the answers in the order listed.
    const samples = await runBin(judgeArgs('--judge', 'claude-opus-4-7', '--judge-samples', '3', '--no-coherence', '--concurrency', '1'), { env });
    expect(samples.code).toBe(0);
    const s = await readScores(join(run, 'scores', 'claude-opus-4-7-x3.json'));
    for (const c of s.conversations) {
      expect(c.mem_fail.judged.votes).toHaveLength(3);
      expect(c.mem_fail.judged.votes.map((v) => v.sample)).toEqual([1, 2, 3]);
    }
    expect(s.conversations.map((c) => c.mem_fail.judge_verdict)).toEqual(['YES', 'YES']);
    // Several samples must differ, so no temperature 0 is sent.
    expect(server.messageRequests()[0]!.body).not.toHaveProperty('temperature');

    const panel = await runBin(judgeArgs('--judge', 'claude-opus-4-6,claude-sonnet-4-6,claude-opus-4-7', '--no-coherence', '--concurrency', '1'), { env });
    expect(panel.code).toBe(0);
    const p = await readScores(join(run, 'scores', 'claude-opus-4-6_claude-sonnet-4-6_claude-opus-4-7.json'));
    // NO, NO and (4.7's next answer) -> the majority is NO, whatever 4.7 says.
    expect(p.conversations.map((c) => c.mem_fail.judge_verdict)).toEqual(['NO', 'NO']);
    expect(p.judge).toMatchObject({ kind: 'llm', models: ['claude-opus-4-6', 'claude-sonnet-4-6', 'claude-opus-4-7'], samples: 1 });
  });

  it('asks a tie-breaker only when the votes tie, and its vote decides', async () => {
    cache = await tempDir();
    // Opus, twice per prompt: YES then NO on the failing reply (a tie), NO twice on the passing one.
    const asked = new Map<string, number>();
    server = await startLocalServer({
      responder: (req) => {
        const model = (req.body as { model: string }).model;
        const key = `${model}\0${userText(req)}`;
        const i = asked.get(key) ?? 0;
        asked.set(key, i + 1);
        const failing = userText(req).includes('Yes, go ahead');
        const verdict = model === 'claude-sonnet-4-6' ? 'YES' : failing ? ['YES', 'NO'][i % 2] : 'NO';
        return { content: [{ type: 'text', text: `{"verdict": "${verdict}"}` }] };
      },
    });
    const r = await runBin(judgeArgs('--judge', 'claude-opus-4-7', '--judge-samples', '2', '--judge-tie-break', 'claude-sonnet-4-6', '--no-coherence', '--concurrency', '1'), {
      env,
    });
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    const s = await readScores(join(run, 'scores', 'claude-opus-4-7-x2-tb-claude-sonnet-4-6.json'));
    expect(s.judge).toMatchObject({ models: ['claude-opus-4-7'], samples: 2, tie_break: 'claude-sonnet-4-6' });
    const byModel = (m: string) => s.conversations.find((c) => c.cell.model === m)!.mem_fail;
    expect(byModel('rehearsal:fail').judge_verdict).toBe('YES');
    expect(byModel('rehearsal:fail').judged.votes.map((v) => [v.judge, v.sample, v.verdict, v.role])).toEqual([
      ['claude-opus-4-7', 1, 'YES', undefined],
      ['claude-opus-4-7', 2, 'NO', undefined],
      ['claude-sonnet-4-6', 1, 'YES', 'tie-break'],
    ]);
    // The passing reply got two NO: no tie, so the tie-breaker was not asked about it.
    expect(byModel('rehearsal:pass').judged.votes.map((v) => v.verdict)).toEqual(['NO', 'NO']);
    expect(server.messageRequests().filter((q) => (q.body as { model: string }).model === 'claude-sonnet-4-6')).toHaveLength(1);

    // A tie-breaker from the panel gives one more sample of its own.
    const own = await runBin(judgeArgs('--judge', 'claude-opus-4-7', '--judge-samples', '2', '--judge-tie-break', 'claude-opus-4-7', '--no-coherence', '--concurrency', '1'), {
      env,
    });
    expect(own.code).toBe(0);
    const o = await readScores(join(run, 'scores', 'claude-opus-4-7-x2-tb-claude-opus-4-7.json'));
    // Opus's samples 1 and 2 come from the cache (YES, NO); sample 3 is its third answer to that prompt: YES.
    expect(o.conversations.find((c) => c.cell.model === 'rehearsal:fail')!.mem_fail.judged.votes.map((v) => [v.sample, v.verdict, v.cache, v.role])).toEqual([
      [1, 'YES', 'hit', undefined],
      [2, 'NO', 'hit', undefined],
      [3, 'YES', 'miss', 'tie-break'],
    ]);
  });

  it('leaves a vote unscored, never a pass, when the judge gives no verdict', async () => {
    cache = await tempDir();
    server = await startLocalServer({ responder: () => ({ content: [{ type: 'text', text: 'I cannot decide.' }] }) });
    expect((await runBin(judgeArgs('--judge', 'claude-haiku-4-5', '--no-coherence'), { env })).code).toBe(0);
    const s = await readScores(join(run, 'scores', 'claude-haiku-4-5.json'));
    expect(s.conversations.map((c) => c.mem_fail.value)).toEqual(['unscored', 'unscored']);
  });
});
