import type { ReplayEvents } from '../replay/events.js';
import type { Logger } from '../log.js';

/**
 * Logs the replay through pino (or any Logger): a line per turn, warnings for retries and failures. With a
 * progress bar on the terminal, routine lines drop to debug so they do not tear the bar.
 */
export function attachRunLog(events: ReplayEvents, log: Logger, routine: 'info' | 'debug'): () => void {
  const turnLevel = routine;
  return events.on((e) => {
    switch (e.type) {
      case 'run-started':
        log[routine]({ runId: e.runId, dir: e.dir, conversations: e.conversations, pending: e.pending, resumed: e.resumed }, e.resumed ? 'run resumed' : 'run started');
        break;
      case 'turn-received':
        log[turnLevel](
          {
            conversation: e.conversationId,
            step: e.step,
            stopReason: e.stopReason,
            inputTokens: e.usage.input_tokens,
            outputTokens: e.usage.output_tokens,
            latencyMs: e.latencyMs,
            costUsd: e.costUsd,
          },
          'turn',
        );
        break;
      case 'turn-retried':
        log.warn({ conversation: e.conversationId, step: e.step, attempt: e.attempt, status: e.status }, `attempt failed: ${e.reason}`);
        break;
      case 'turn-failed':
        log.error({ conversation: e.conversationId, step: e.step }, e.message);
        break;
      case 'conversation-done':
        (e.status === 'complete' ? log.debug.bind(log) : log.warn.bind(log))({ conversation: e.conversationId, status: e.status }, e.reason ?? 'conversation done');
        break;
      case 'warning':
        log.warn({ conversation: e.conversationId }, e.message);
        break;
      case 'run-done':
        log[routine]({ status: e.manifest.status, counts: e.manifest.counts }, 'run done');
        break;
      default:
        break;
    }
  });
}
