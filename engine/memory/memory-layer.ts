import type { Scenario } from '../scenario/scenario.js';

/** A turn the conversation has completed, as a memory layer sees it. */
export interface ObservedTurn {
  step: number;
  user: string;
  /** The assistant's visible reply. */
  reply: string;
}

/**
 * A memory layer: it watches a conversation and, before each later turn, returns text to add
 * to that turn (null for nothing). The replay puts it into the turn's messages, as a system
 * message or a delimited preface to the user text, and never changes the system prompt
 * (replay/request.ts, injectionFor). Conditions of a run (--condition) are memory layers;
 * `baseline` injects nothing. One instance serves one conversation.
 */
export interface MemoryLayer {
  /** Where the memories come from, recorded in the transcript (e.g. "scenario declarations"). */
  readonly source: string;
  observe(turn: ObservedTurn): Promise<void>;
  recall(next: { step: number; prompt: string }): Promise<string | null>;
}

export interface MemoryContext {
  /** Memories are kept per run and conversation: a rerun must not recall an earlier run's. */
  runId: string;
  conversationId: string;
  scenario: Scenario;
  settings: MemorySettings;
}

/** Credentials and endpoints of memory services, resolved from the environment by the CLI. */
export interface MemorySettings {
  /** MEM0_API_KEY and MEM0_HOST. */
  mem0?: { apiKey?: string; host?: string };
  /** Every other secret the process holds: scrubbed, with the layer's own key, from its service's errors (engine/secrets.ts). */
  secrets?: readonly string[];
}

export type MemoryLayerFactory = (ctx: MemoryContext) => MemoryLayer;

/**
 * A memory service failed for one conversation (an add or a search that errored, a garbled
 * answer): the replay errors that conversation with this message as its cause, and the run goes
 * on (issue 17). The message is already scrubbed of secrets. A layer set up wrongly (no key) is
 * not this: its factory throws a ProviderError before the run starts.
 */
export class MemoryFailed extends Error {
  override readonly name = 'MemoryFailed';
}
