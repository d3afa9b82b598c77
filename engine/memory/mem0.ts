import type { MemoryClient } from 'mem0ai';
import { ProviderError } from '../errors.js';
import type { MemoryLayerFactory } from './memory-layer.js';

/** How many memories one recall asks for. */
const RECALL_LIMIT = 10;

/**
 * Mem0's hosted platform as a memory layer, through its own client (`mem0ai`, `MemoryClient`).
 * Each completed exchange is sent to Mem0, which extracts memories from it; before each later
 * turn, the memories that match the next prompt come back and are added to that turn.
 *
 * Each conversation of each run is its own Mem0 user (`driftbench-<runId>-<conversationId>`), so conversations never
 * see each other's memories. MEM0_API_KEY is required; MEM0_HOST points the client elsewhere
 * (a local fake in tests). The client is created on first use and `mem0ai` is imported only
 * then, so runs without this condition never load it.
 */
export const mem0Layer: MemoryLayerFactory = ({ runId, conversationId, settings }) => {
  const apiKey = settings.mem0?.apiKey?.trim();
  if (!apiKey)
    throw new ProviderError('MEM0_API_KEY is not set: the mem0 condition needs a Mem0 platform API key (https://app.mem0.ai); set MEM0_API_KEY, or choose another --condition');
  const host = settings.mem0?.host?.trim() || undefined;
  // The run id too: conversation ids repeat from run to run, and a rerun must not recall the last.
  const userId = `driftbench-${runId}-${conversationId}`;

  let client: Promise<MemoryClient> | undefined;
  const connect = (): Promise<MemoryClient> => (client ??= createClient(apiKey, host));

  return {
    source: 'Mem0 hosted API (memories extracted by Mem0 from each exchange)',

    async observe(turn) {
      const messages = [
        { role: 'user' as const, content: turn.user },
        { role: 'assistant' as const, content: turn.reply },
      ].filter((m) => m.content.trim() !== '');
      // The client refuses an empty payload; a turn with no visible text has nothing to add.
      if (messages.length === 0) return;
      const mem0 = await connect();
      try {
        await mem0.add(messages, { userId });
      } catch (error) {
        throw new ProviderError(`Mem0 add failed for ${userId} (step ${turn.step}): ${message(error)}`, {}, { cause: error });
      }
    },

    async recall({ step, prompt }) {
      const mem0 = await connect();
      let found: Awaited<ReturnType<MemoryClient['search']>>;
      try {
        // The client refuses a top-level userId on search: the entity goes in filters.
        found = await mem0.search(prompt, { filters: { user_id: userId }, topK: RECALL_LIMIT });
      } catch (error) {
        throw new ProviderError(`Mem0 search failed for ${userId} (step ${step}): ${message(error)}`, {}, { cause: error });
      }
      const lines = (found.results ?? [])
        .map((m) => m.memory?.trim() ?? '')
        .filter((text) => text !== '')
        .map((text) => `- ${text}`);
      if (lines.length === 0) return null;
      return `Memories from earlier in this conversation (Mem0):\n${lines.join('\n')}`;
    },
  };
};

async function createClient(apiKey: string, host: string | undefined): Promise<MemoryClient> {
  // mem0ai reads MEM0_TELEMETRY from process.env once, when it is first imported, and unless it
  // is "false" posts usage events to PostHog (us.i.posthog.com) from every client. A benchmark
  // run should send nothing but the memory calls it measures, so it is off unless the user
  // chose otherwise.
  process.env['MEM0_TELEMETRY'] ??= 'false';
  const { MemoryClient } = await import('mem0ai');
  // The constructor starts a GET /v1/ping/ (once per host and key per process) and does not
  // wait for it; a failed ping is only logged by the client, so a bad key surfaces on add/search.
  return new MemoryClient({ apiKey, ...(host !== undefined ? { host } : {}) });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
