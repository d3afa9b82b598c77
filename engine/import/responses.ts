import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TranscriptError } from '../errors.js';
import type { Effort } from '../models/profiles.js';
import { conversationId, type Plan, type PlannedConversation } from '../plan/plan.js';
import { prefilledTurn } from '../replay/conversation.js';
import { historyFor, messagesHash } from '../replay/request.js';
import type { LoadedScenario } from '../scenario/scenario.js';
import { validateScenarioBytes } from '../scenario/validate.js';
import { completedTranscript, MANIFEST_FORMAT, type RunManifest, type Transcript, type Turn } from '../transcript/format.js';
import { RunStore } from '../transcript/run-store.js';
import { readJsonl } from './jsonl.js';
import { parseMultichallengeResponse } from './multichallenge.js';

/** Published responses are plain answers to the conversation as given: no effort, no thinking. */
const EFFORT: Effort = 'standard';

/**
 * One imported conversation: the scenario's prefilled turns as they were, then the published
 * response as the one generated turn. Usage, timing and attempts are unknown, so they are zeros,
 * nulls and none; the cost is null (unknown), not 0. Pure.
 */
export function importedTranscript(o: {
  runId: string;
  loaded: LoadedScenario;
  model: string;
  repeat: number;
  response: string;
  imported: NonNullable<Transcript['imported']>;
}): Transcript {
  const s = o.loaded.scenario;
  const turns: Turn[] = [];
  for (const step of s.steps) {
    const messages = historyFor(turns, step.prompt);
    if (step.reply !== undefined) {
      turns.push(prefilledTurn(step.step, step.prompt, step.reply, EFFORT, messages));
      continue;
    }
    if (step.step !== s.steps.length)
      throw new TranscriptError(`scenario ${s.id}: step ${step.step} has no reply, but only the last step of an imported conversation can be the published response`);
    turns.push({
      step: step.step,
      kind: 'generated',
      user: step.prompt,
      request: { params: {}, message_count: messages.length, messages_sha256: messagesHash(messages), dropped: [], requested: { effort: EFFORT, thinking: 'none' } },
      response: {
        id: null,
        model: null,
        request_id: null,
        content: [{ type: 'text', text: o.response }],
        stop_reason: 'end_turn',
        stop_details: null,
        usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, thinking_tokens: null },
      },
      timing: { started_at: null, ttft_ms: null, latency_ms: null },
      attempts: [],
      cost_usd: null,
      provider_cost_usd: null,
      error: null,
    });
  }
  return completedTranscript({
    runId: o.runId,
    conversationId: conversationId(s.id, { model: o.model, effort: EFFORT }, o.repeat),
    scenario: { id: s.id, hash: o.loaded.hash, title: s.title },
    system: s.system ?? null,
    cell: { model: o.model, effort: EFFORT, repeat: o.repeat },
    provider: 'imported',
    imported: o.imported,
    turns,
  });
}

/** A question that became a scenario file `<scenarioDir>/<scenarioId>.yaml`. */
export interface ImportedQuestion {
  scenarioId: string;
  /** Its place among the imported questions, which orders the plan. */
  order: number;
  /** Its line in the question file. */
  line: number;
}

export interface ResponseFile {
  /** The file to read. */
  path: string;
  /** How the file is named in messages (relative to the working directory). */
  display: string;
  /** The model whose responses the file holds (its base name without extension). */
  model: string;
}

export interface ResponseImportOptions {
  files: readonly ResponseFile[];
  runDir: string;
  runId: string;
  questions: ReadonlyMap<string, ImportedQuestion>;
  /** Where the question import wrote the scenario files. */
  scenarioDir: string;
  /** What the questions file is called in messages, to say where an unknown id was looked for. */
  questionsDisplay: string;
  now: () => number;
  engineVersion: string;
  onBad: (file: string, line: number, message: string) => void;
  onFileDone: (f: ResponseFile, counts: { rows: number; conversations: number; bad: number }) => void;
}

export interface ResponseImportResult {
  /** Undefined when no response row was good: then no run directory is written at all. */
  manifest: RunManifest | undefined;
  transcripts: number;
}

/**
 * MultiChallenge response files (one per model, rows `{QUESTION_ID, RESPONSE: [...]}`) become one
 * run directory, laid out exactly like a replayed run so that score, report and diff read it
 * unchanged: each response of each question is one conversation, RESPONSE[k] being repeat k+1.
 * Rows are streamed and each transcript is written as its row is read; the manifest comes last,
 * when the plan (every conversation, in plan order) is known.
 */
export async function importMultichallengeResponses(o: ResponseImportOptions): Promise<ResponseImportResult> {
  const store = new RunStore(o.runDir);
  let created = false;
  const snapshots = new Map<string, { order: number; entry: Plan['scenarios'][number] }>();
  const planned: Array<{ order: number; model: number; c: PlannedConversation }> = [];
  let repeats = 1;

  for (const [modelIndex, f] of o.files.entries()) {
    const seen = new Set<string>();
    const counts = { rows: 0, conversations: 0, bad: 0 };
    const bad = (line: number, message: string) => {
      counts.bad++;
      o.onBad(f.display, line, message);
    };
    for await (const row of readJsonl(f.path)) {
      if ('error' in row) {
        bad(row.line, row.error);
        continue;
      }
      const checked = parseMultichallengeResponse(row.value);
      if (!checked.ok) {
        bad(row.line, checked.message);
        continue;
      }
      const { questionId, responses } = checked.value;
      if (seen.has(questionId)) {
        bad(row.line, `QUESTION_ID ${JSON.stringify(questionId)} appears twice in this file; keep one row per question (its RESPONSE holds every repeat)`);
        continue;
      }
      seen.add(questionId);
      const q = o.questions.get(questionId);
      if (q === undefined) {
        bad(row.line, `QUESTION_ID ${JSON.stringify(questionId)} has no imported question: it is not in ${o.questionsDisplay}, or its row there was bad`);
        continue;
      }
      if (!created) {
        await store.create();
        created = true;
      }
      const path = join(o.scenarioDir, `${q.scenarioId}.yaml`);
      const { loaded, bytes } = await loadScenarioFile(path);
      const known = snapshots.get(q.scenarioId);
      if (known === undefined) {
        const file = await store.writeScenarioSnapshot(q.scenarioId, bytes);
        snapshots.set(q.scenarioId, { order: q.order, entry: { id: q.scenarioId, hash: loaded.hash, file } });
      } else if (known.entry.hash !== loaded.hash) {
        throw new TranscriptError(`${path}: the scenario file changed while its responses were being imported; import again`);
      }
      for (const [k, response] of responses.entries()) {
        const t = importedTranscript({ runId: o.runId, loaded, model: f.model, repeat: k + 1, response, imported: { source: 'multichallenge', file: f.display } });
        await store.writeTranscript(t);
        planned.push({ order: q.order, model: modelIndex, c: { id: t.conversation_id, scenario: q.scenarioId, model: f.model, effort: EFFORT, repeat: k + 1 } });
      }
      repeats = Math.max(repeats, responses.length);
      counts.rows++;
      counts.conversations += responses.length;
    }
    o.onFileDone(f, counts);
  }
  if (!created) return { manifest: undefined, transcripts: 0 };

  // The order buildPlan uses: scenario (as in the question file), then model, then repeat.
  planned.sort((a, b) => a.order - b.order || a.model - b.model || a.c.repeat - b.c.repeat);
  const scenarios = [...snapshots.values()].sort((a, b) => a.order - b.order).map((s) => s.entry);
  const conversations = planned.map((p) => p.c);
  const usedModels = new Set(conversations.map((c) => c.model));
  const at = new Date(o.now()).toISOString();
  const manifest: RunManifest = {
    format: MANIFEST_FORMAT,
    run_id: o.runId,
    engine_version: o.engineVersion,
    created_at: at,
    updated_at: at,
    ended_at: at,
    status: 'complete',
    status_reason: null,
    plan: {
      provider: 'imported',
      base_url: null,
      base_url_host: null,
      axis: null,
      scenarios,
      // Models in file order; a file with no good row adds no model.
      models: o.files.map((f) => f.model).filter((m) => usedModels.has(m)),
      efforts: [EFFORT],
      repeats,
      concurrency: 1,
      max_retries: 0,
      conversations,
    },
    counts: { conversations: conversations.length, pending: 0, complete: conversations.length, refused: 0, max_tokens: 0, errored: 0, stopped: 0 },
  };
  await store.writeManifest(manifest);
  return { manifest, transcripts: conversations.length };
}

/** Scenario files are read back one at a time, so memory holds one question, not the dataset. */
async function loadScenarioFile(path: string): Promise<{ loaded: LoadedScenario; bytes: Uint8Array }> {
  const bytes = await readFile(path);
  const v = validateScenarioBytes(path, bytes);
  if (!v.loaded) throw new TranscriptError(`${path}: the imported scenario no longer validates: ${v.problems[0]?.message ?? 'unknown problem'}`);
  return { loaded: v.loaded, bytes };
}

/** The model a response file holds: its base name without the extension (`claude-opus-4-7.jsonl`). */
export function modelFromFileName(name: string): string {
  const base = name.split(/[\\/]/).at(-1) ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
