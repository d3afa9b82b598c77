import type { ConversationStatus, RunManifest, Usage } from '../transcript/format.js';

/** What the replay loop reports. Progress bars, logs and summaries subscribe; the core prints nothing. */
export type ReplayEvent =
  | { type: 'run-started'; runId: string; dir: string; conversations: number; pending: number; resumed: boolean }
  | { type: 'turn-sent'; conversationId: string; step: number; model: string }
  | { type: 'turn-retried'; conversationId: string; step: number; attempt: number; status: number | null; reason: string }
  | { type: 'turn-received'; conversationId: string; step: number; usage: Usage; costUsd: number | null; latencyMs: number | null; stopReason: string | null }
  | { type: 'turn-failed'; conversationId: string; step: number; message: string }
  | { type: 'conversation-done'; conversationId: string; status: ConversationStatus; reason: string | null }
  | { type: 'warning'; message: string; conversationId?: string }
  | { type: 'run-done'; manifest: RunManifest };

export type ReplayListener = (e: ReplayEvent) => void;

/** A typed event bus: emit() never throws because a listener did. */
export class ReplayEvents {
  private readonly listeners: ReplayListener[] = [];
  on(l: ReplayListener): () => void {
    this.listeners.push(l);
    return () => void this.listeners.splice(this.listeners.indexOf(l), 1);
  }
  emit(e: ReplayEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken progress bar must not break a paid run.
      }
    }
  }
}
