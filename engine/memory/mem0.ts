import type { MemoryClient } from 'mem0ai';
import { ProviderError } from '../errors.js';
import { secretScrubber, type Scrub } from '../secrets.js';
import { MemoryFailed, type MemoryLayerFactory } from './memory-layer.js';

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
 *
 * A failed call (an HTTP error, a garbled answer, a refused key) is a MemoryFailed: the replay
 * errors that conversation with the cause and the run goes on. Its message is scrubbed of every
 * key the process holds (a Mem0 error may echo the one it was sent), and the client's own
 * console output is silenced (`quietly`).
 */
export const mem0Layer: MemoryLayerFactory = ({ runId, conversationId, settings }) => {
  const apiKey = settings.mem0?.apiKey?.trim();
  if (!apiKey)
    throw new ProviderError('MEM0_API_KEY is not set: the mem0 condition needs a Mem0 platform API key (https://app.mem0.ai); set MEM0_API_KEY, or choose another --condition');
  const host = settings.mem0?.host?.trim() || undefined;
  // The run id too: conversation ids repeat from run to run, and a rerun must not recall the last.
  const userId = `driftbench-${runId}-${conversationId}`;

  const scrub = secretScrubber([apiKey, ...(settings.secrets ?? [])]);
  let client: Promise<MemoryClient> | undefined;
  const connect = (): Promise<MemoryClient> => (client ??= createClient(apiKey, host));
  // The client's error is not kept as a cause: its response body is where an echoed key sits.
  const failed = (what: string, step: number, error: unknown) => new MemoryFailed(`Mem0 ${what} failed for ${userId} (step ${step}): ${message(error, scrub)}`);

  return {
    source: 'Mem0 hosted API (memories extracted by Mem0 from each exchange)',

    async observe(turn) {
      const messages = [
        { role: 'user' as const, content: turn.user },
        { role: 'assistant' as const, content: turn.reply },
      ].filter((m) => m.content.trim() !== '');
      // The client refuses an empty payload; a turn with no visible text has nothing to add.
      if (messages.length === 0) return;
      try {
        await quietly(async () => (await connect()).add(messages, { userId }));
      } catch (error) {
        throw failed('add', turn.step, error);
      }
    },

    async recall({ step, prompt }) {
      let found: Awaited<ReturnType<MemoryClient['search']>>;
      try {
        // The client refuses a top-level userId on search: the entity goes in filters.
        found = await quietly(async () => (await connect()).search(prompt, { filters: { user_id: userId }, topK: RECALL_LIMIT }));
      } catch (error) {
        throw failed('search', step, error);
      }
      // A 200 with something else than a list of memories is a failure too, not "no memories".
      if (found === null || typeof found !== 'object' || (found.results !== undefined && !Array.isArray(found.results)))
        throw failed('search', step, new Error(`the answer is not a list of memories: ${JSON.stringify(found)?.slice(0, 200)}`));
      const lines = (found.results ?? [])
        .map((m) => (typeof m?.memory === 'string' ? m.memory.trim() : ''))
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
  // wait for it; a failed ping is only logged by the client (to the console, with the server's
  // answer), so a bad key surfaces on add/search. Waiting for it here keeps that log inside
  // `quietly`, which every call to this function runs in.
  const client = new MemoryClient({ apiKey, ...(host !== undefined ? { host } : {}) });
  await (client as unknown as { initialized: Promise<void> }).initialized;
  return client;
}

function message(error: unknown, scrub: Scrub): string {
  return scrub(error instanceof Error ? error.message : String(error));
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
type ConsoleMethod = (typeof CONSOLE_METHODS)[number];
/** Calls of `quietly` in flight, and the console methods they put aside. */
let quiet = 0;
let saved: Partial<Record<ConsoleMethod, Console[ConsoleMethod]>> = {};

/**
 * Runs a Mem0 call with the console silenced. mem0ai writes to the console by itself (a failed
 * ping with the server's answer, which may echo the key; "No telemetry ID found" on every call
 * after one), which would tear the progress bar, mix into piped output and leak what a Mem0
 * error echoes. driftbench itself never writes through `console` (output.ts and pino write to
 * the streams), so silencing it while any Mem0 call is in flight hides only the client's lines;
 * what matters from a failure reaches the transcript as the call's error. The console is global,
 * so this is counted: the first call in flight puts the methods aside, the last one restores them.
 */
async function quietly<T>(call: () => Promise<T>): Promise<T> {
  if (quiet++ === 0) {
    saved = Object.fromEntries(CONSOLE_METHODS.map((m) => [m, console[m]]));
    for (const m of CONSOLE_METHODS) console[m] = () => {};
  }
  try {
    return await call();
  } finally {
    if (--quiet === 0) for (const m of CONSOLE_METHODS) console[m] = saved[m]!;
  }
}
