import type { RunManifest } from '../schemas/manifest.generated.js';
import type { Attempt, Block, ConversationStatus, Transcript, Turn, Usage } from '../schemas/transcript.generated.js';

export type { Attempt, Block, ConversationStatus, RunManifest, Transcript, Turn, Usage };

export const TRANSCRIPT_FORMAT = 'driftbench.transcript/1';
export const MANIFEST_FORMAT = 'driftbench.manifest/1';

/** The visible reply of a turn: its text blocks joined. */
export function replyText(turn: Pick<Turn, 'response'>): string {
  return (turn.response?.content ?? [])
    .filter((b) => b.type === 'text')
    .map((b) => b.text ?? '')
    .join('');
}

/** The turn's thinking text (summarized thinking blocks), joined. */
export function thinkingText(turn: Pick<Turn, 'response'>): string {
  return (turn.response?.content ?? [])
    .filter((b) => b.type === 'thinking')
    .map((b) => b.thinking ?? '')
    .join('\n');
}

/** Scenario turns that hold a reply: not a failed turn, and not a --distance distractor. */
export function answeredTurns(t: Transcript): Turn[] {
  return t.turns.filter((x) => x.response !== null && x.kind !== 'distractor');
}

export const FINISHED: ReadonlySet<ConversationStatus> = new Set(['complete', 'refused', 'max_tokens']);

/**
 * A transcript that no provider produced (fixture replies, published responses): complete, with
 * no timings, and its cell's model as the model requested.
 */
export function completedTranscript(o: {
  runId: string;
  conversationId: string;
  scenario: Transcript['scenario'];
  system: string | null;
  cell: Transcript['cell'];
  provider: string;
  turns: Turn[];
  imported?: Transcript['imported'];
}): Transcript {
  return {
    format: TRANSCRIPT_FORMAT,
    run_id: o.runId,
    conversation_id: o.conversationId,
    scenario: o.scenario,
    cell: o.cell,
    provider: { name: o.provider, base_url_host: null },
    model_requested: o.cell.model,
    model_returned: null,
    status: 'complete',
    status_reason: null,
    started_at: null,
    ended_at: null,
    system: o.system,
    ...(o.imported ? { imported: o.imported } : {}),
    turns: o.turns,
  };
}
