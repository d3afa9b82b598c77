import type { Scenario, Trap } from '../../engine/scenario/scenario.js';
import { TRANSCRIPT_FORMAT, type Block, type Transcript, type Turn } from '../../engine/transcript/format.js';

/** A stand-in sha256 for scenario hashes, message hashes and prompt hashes. */
export const TEST_SHA256 = 'a'.repeat(64);

/**
 * What the unit tests' lock-budget scenarios share: a 200 ms lock budget (cited by "200 ms") and a
 * formal tone (cited by "formal" or "formally"), both set at step 1. Each suite adds its steps,
 * ending in ONE_TRANSACTION_TRAP, and may add constraints of its own.
 */
export const LOCK_BUDGET: Pick<Scenario, 'id' | 'title' | 'category' | 'difficulty' | 'description' | 'constraints'> = {
  id: 'lock-budget',
  title: 'Lock budget',
  category: 'memory-trap',
  difficulty: 'easy',
  description: 'A lock budget set early and tested late.',
  constraints: [
    { id: 'budget', statement: 'No step may hold a lock longer than 200 ms.', established_in: 1, cues: ['200\\s*ms'] },
    { id: 'tone', statement: 'Answer formally.', established_in: 1, cues: ['\\bformal(ly)?\\b'] },
  ],
};

/** The trap on the budget: a NOT NULL DEFAULT column added in one transaction; "yes" takes it, "no" refuses it. */
export const ONE_TRANSACTION_TRAP: Trap = {
  proposal: 'One transaction.',
  violates: ['budget'],
  plausible_wrong_answer: 'Yes, it is atomic.',
  correct_behaviour: 'No: it rewrites the table and breaks the 200 ms budget.',
  cues: { accept: ['\\byes\\b'], reject: ['\\bno\\b'] },
};

/** A reply: plain text, or the content blocks as the API returned them; null is a turn that failed after its retries. */
export type TestReply = string | Block[] | null;

export interface TestTurnOptions {
  kind?: Turn['kind'];
  /** Thinking shown before the reply; the usage then counts 5 thinking tokens. */
  thinking?: string;
  /** Default 20. */
  outputTokens?: number;
  cacheRead?: number;
  cacheWrite?: number;
  /** Default 100. */
  ttftMs?: number;
  /** Default 1000. */
  latencyMs?: number;
  /** Default 0.01; null is a turn with no price. */
  costUsd?: number | null;
  providerCostUsd?: number;
}

/**
 * One turn of `scenario`, valid against the transcript schema: the user message is the step's
 * prompt, the request is the one a live history sends, and the usage reads 100 input tokens
 * per step so far.
 */
export function testTurn(scenario: Scenario, step: number, reply: TestReply, o: TestTurnOptions = {}): Turn {
  const thinking: Block[] = o.thinking ? [{ type: 'thinking', thinking: o.thinking, signature: 'sig' }] : [];
  return {
    step,
    kind: o.kind ?? 'generated',
    user: scenario.steps[step - 1]?.prompt ?? 'a distractor question',
    request: { params: {}, message_count: 2 * step - 1, messages_sha256: TEST_SHA256, dropped: [], requested: { effort: 'high', thinking: 'adaptive' } },
    response:
      reply === null
        ? null
        : {
            id: `msg_${step}`,
            model: 'claude-test',
            content: [...thinking, ...(typeof reply === 'string' ? [{ type: 'text', text: reply }] : reply)],
            stop_reason: 'end_turn',
            stop_details: null,
            usage: {
              input_tokens: 100 * step,
              output_tokens: o.outputTokens ?? 20,
              cache_creation_input_tokens: o.cacheWrite ?? 0,
              cache_read_input_tokens: o.cacheRead ?? 0,
              thinking_tokens: o.thinking ? 5 : null,
            },
          },
    timing: { started_at: null, ttft_ms: o.ttftMs ?? 100, latency_ms: o.latencyMs ?? 1000 },
    attempts: [],
    cost_usd: o.costUsd === undefined ? 0.01 : o.costUsd,
    ...(o.providerCostUsd !== undefined ? { provider_cost_usd: o.providerCostUsd } : {}),
    error: reply === null ? { type: 'api_error', message: 'failed after retries', status: 500 } : null,
  };
}

export interface TestTranscriptOptions {
  /** Default claude-test. */
  model?: string;
  /** Default high. */
  effort?: Transcript['cell']['effort'];
  /** Default 1. */
  repeat?: number;
  condition?: string;
  /** Default errored when a turn failed, else complete. */
  status?: Transcript['status'];
  imported?: Transcript['imported'];
}

/** A minimal valid transcript of `scenario` holding `turns`, named like the runner names it. */
export function testTranscript(scenario: Scenario, turns: Turn[], o: TestTranscriptOptions = {}): Transcript {
  const { model = 'claude-test', effort = 'high', repeat = 1 } = o;
  return {
    format: TRANSCRIPT_FORMAT,
    run_id: 'run-1',
    conversation_id: `${scenario.id}__${model}__${effort}__r${repeat}`,
    scenario: { id: scenario.id, hash: TEST_SHA256 },
    cell: { model, effort, repeat, ...(o.condition ? { condition: o.condition } : {}) },
    provider: { name: 'anthropic', base_url_host: null },
    model_requested: model,
    model_returned: model,
    status: o.status ?? (turns.some((t) => t.response === null) ? 'errored' : 'complete'),
    status_reason: null,
    started_at: null,
    ended_at: null,
    system: null,
    ...(o.imported ? { imported: o.imported } : {}),
    turns,
  };
}
