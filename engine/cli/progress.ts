import cliProgress from 'cli-progress';
import type { ReplayEvents } from '../replay/events.js';

/**
 * A live bar on a terminal: conversations done, turns, tokens and spend so far. It only
 * subscribes to replay events; the replay loop knows nothing about it.
 */
export function attachProgressBar(events: ReplayEvents, stream: NodeJS.WriteStream): () => void {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a cli-progress format, whose {spend} token follows a dollar sign
      format: '{bar} {value}/{total} conversations | {turns} turns | {tokens} tokens | ${spend}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  let turns = 0;
  let tokens = 0;
  let spend = 0;
  const payload = () => ({ turns, tokens: tokens.toLocaleString('en-US'), spend: spend.toFixed(4) });
  const off = events.on((e) => {
    if (e.type === 'run-started') bar.start(e.conversations, e.conversations - e.pending, payload());
    else if (e.type === 'turn-received') {
      turns++;
      tokens += e.usage.input_tokens + e.usage.output_tokens + e.usage.cache_read_input_tokens + e.usage.cache_creation_input_tokens;
      spend += e.costUsd ?? 0;
      bar.update(payload());
    } else if (e.type === 'conversation-done') bar.increment(1, payload());
    else if (e.type === 'run-done') bar.stop();
  });
  return () => {
    off();
    bar.stop();
  };
}
