import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalServer, type RecordedRequest } from '../support/local-server/index.js';
import type { Scores } from '../../engine/schemas/scores.generated.js';
import { repoRoot, runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, tempDir } from '../helpers/replay.js';

const fixtures = join(repoRoot, 'test/fixtures/import');

describe('imported responses, end to end through the binary', () => {
  it('score with the LLM judge against the local server, report by model, and two imported models diff', async () => {
    const cwd = await tempDir();
    const imp = await runBin(
      [
        'import',
        'multichallenge',
        join(fixtures, 'multichallenge-questions.jsonl'),
        '--responses',
        join(fixtures, 'claude-opus-4-7.jsonl'),
        join(fixtures, 'claude-opus-4-6.jsonl'),
        '--out',
        'scen',
        '--run-out',
        'runs',
      ],
      { cwd },
    );
    expect(imp.stderr).not.toMatch(STACK_LINE);
    expect(imp.code).toBe(2); // the samples hold bad rows on purpose: reported, skipped, the rest imported
    expect(imp.stderr).toMatch(/multichallenge-questions\.jsonl:3:1: not valid JSON/);
    expect((await runBin(['validate', 'scen'], { cwd })).code).toBe(0);

    // The judge reads the rubric (TARGET_QUESTION) and answers YES when the reply mentions the fact asked about.
    const prompts: string[] = [];
    const server = await startLocalServer({
      responder: (req: RecordedRequest) => {
        const text = (req.body as { messages: Array<{ content: string }> }).messages[0]!.content;
        prompts.push(text);
        return { content: [{ type: 'text', text: `{"reasoning": "scripted", "verdict": "${text.length % 2 ? 'YES' : 'NO'}"}` }] };
      },
    });
    const run = join(cwd, 'runs', 'imported-multichallenge');
    try {
      const scored = await runBin(['score', run, '--judge', 'claude-sonnet-4-6', '--judge-base-url', server.url, '--cache-dir', join(cwd, 'cache'), '--no-coherence'], {
        env: { ANTHROPIC_API_KEY: FAKE_KEY },
      });
      expect(scored.stderr).not.toMatch(STACK_LINE);
      expect(scored.code).toBe(0);
      expect(scored.stdout).toMatch(/scored 9 conversations of imported-multichallenge with judge claude-sonnet-4-6/);
    } finally {
      await server.close();
    }
    expect(server.unexpected()).toEqual([]);
    // One judgement per imported response, each with the published rubric as its question.
    expect(prompts).toHaveLength(9);
    const questions = (await readFile(join(fixtures, 'multichallenge-questions.jsonl'), 'utf8')).split('\n').flatMap((l) => {
      try {
        return [(JSON.parse(l) as { TARGET_QUESTION: string }).TARGET_QUESTION];
      } catch {
        return [];
      }
    });
    for (const p of prompts) expect(questions.some((q) => p.includes(`Question: ${q.trim()}`))).toBe(true);
    const scores = JSON.parse(await readFile(join(run, 'scores', 'claude-sonnet-4-6.json'), 'utf8')) as Scores;
    expect(scores.conversations.every((c) => c.mem_fail.value !== 'unscored' && c.imported === true)).toBe(true);

    const report = await runBin(['report', run], { cwd });
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/claude-opus-4-7 vs claude-opus-4-6|claude-opus-4-6 vs claude-opus-4-7/);

    const diff = await runBin(['diff', join(run, 'conversations'), join(run, 'conversations')], { cwd });
    expect(diff.code).toBe(2); // a folder of transcripts is not a run directory: said clearly
    const a = scores.conversations.find((c) => c.cell.model === 'claude-opus-4-7')!;
    const b = scores.conversations.find((c) => c.cell.model === 'claude-opus-4-6' && c.scenario_id === a.scenario_id)!;
    const d = await runBin(['diff', join(run, 'conversations', `${a.conversation_id}.json`), join(run, 'conversations', `${b.conversation_id}.json`)], { cwd });
    expect(d.stderr).not.toMatch(STACK_LINE);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain(`A = claude-opus-4-7/standard`);
    expect(d.stdout).toContain(`B = claude-opus-4-6/standard`);
    expect(d.stdout).toMatch(/mem_fail: A (YES|NO), B (YES|NO)/);
    expect(d.stdout).toMatch(/reply diff \(A -> B\):/);
  });
});
