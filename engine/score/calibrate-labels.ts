import pLimit from 'p-limit';
import type { Judged, Verdict } from '../schemas/scores.generated.js';
import type { Judge } from './judge.js';
import type { LabelledTranscript } from './labelled-set.js';
import { memFailValue } from './score-conversation.js';

/** A labelled transcript with the judge's mem_fail verdict beside the person's. */
export interface JudgedLabel extends LabelledTranscript {
  human: 'YES' | 'NO';
  /** mem_fail as `score` records it: the judge's answer read through the scenario's pass_answer. */
  judge: Verdict;
  judged: Judged;
}

/**
 * Judges every labelled transcript through the judge `score` uses (so the same cache answers),
 * in the labels file's order whatever order the answers come back in.
 */
export async function judgeLabelled(items: readonly LabelledTranscript[], judge: Judge, o: { concurrency: number }): Promise<JudgedLabel[]> {
  const limit = pLimit(o.concurrency);
  return Promise.all(
    items.map((item) =>
      limit(async () => {
        const s = item.scenario.scenario;
        const judged = await judge.memFail(item.transcript, s);
        return { ...item, human: item.row.label.verdict, judge: memFailValue(judged.verdict, s.judge.pass_answer ?? 'NO'), judged };
      }),
    ),
  );
}
