import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { startMem0Fake, type Mem0Fake } from '../../test/helpers/mem0-fake.js';
import { ProviderError } from '../errors.js';
import type { Scenario } from '../scenario/scenario.js';
import { memorySettingsFrom } from './index.js';
import { mem0Layer } from './mem0.js';
import { MemoryFailed, type MemoryLayer } from './memory-layer.js';

const KEY = 'm0-test-key-3b1e';
// The Mem0 layer never reads the scenario; the context only has to carry one.
const scenario = {} as Scenario;

let fake: Mem0Fake;
let fetchSpy: MockInstance<typeof fetch>;
let home: string;

/**
 * Every MemoryClient the layers make. A client's `initialized` settles once its start-up is over
 * (the ping, then telemetry when it is on, which mem0.ts turns off): by then it has started every
 * request it sends on its own, so the checks after each test need no quiet period.
 */
const clients = vi.hoisted(() => [] as Array<{ apiKey: string; initialized: Promise<void> }>);
vi.mock('mem0ai', async (importOriginal) => {
  // Still imported on first use, so mem0ai reads MEM0_TELEMETRY when mem0.ts has set it.
  const mem0 = await importOriginal<typeof import('mem0ai')>();
  class TrackedClient extends mem0.MemoryClient {
    constructor(options: ConstructorParameters<typeof mem0.MemoryClient>[0]) {
      super(options);
      clients.push(this as unknown as (typeof clients)[number]);
    }
  }
  return { ...mem0, MemoryClient: TrackedClient };
});

function layerFor(conversationId: string, env: NodeJS.ProcessEnv = { MEM0_API_KEY: KEY, MEM0_HOST: fake.url }): MemoryLayer {
  return mem0Layer({ runId: 'run-1', conversationId, scenario, settings: memorySettingsFrom(env) });
}

/** Where the client's fetch calls went, including any that never reached the fake. */
function fetchedUrls(): string[] {
  return fetchSpy.mock.calls.map(([input]) => (input instanceof Request ? input.url : String(input)));
}

function bodiesTo(path: string): Array<Record<string, unknown>> {
  return fake.requests.filter((r) => r.path === path).map((r) => r.body as Record<string, unknown>);
}

beforeEach(async () => {
  fake = await startMem0Fake();
  // mem0ai keeps a config file in ~/.mem0 for telemetry; point it at a scratch dir in case it writes.
  home = await mkdtemp(join(tmpdir(), 'driftbench-mem0-'));
  vi.stubEnv('MEM0_DIR', home);
  vi.stubEnv('MEM0_TELEMETRY', undefined);
  fetchSpy = vi.spyOn(globalThis, 'fetch');
});

afterEach(async () => {
  try {
    // Nobody awaits the constructor's ping or what follows it: wait for each client's start-up to
    // end, check that every call it started went to the fake, then that each has arrived there.
    await Promise.allSettled(clients.splice(0).map((c) => c.initialized));
    expect(fetchedUrls().filter((url) => !url.startsWith(`${fake.url}/`))).toEqual([]);
    await fake.waitForRequests(fetchSpy.mock.calls.length);
    expect(fake.requests.length).toBe(fetchSpy.mock.calls.length);
    expect(fake.unexpected()).toEqual([]);
  } finally {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await fake.close();
    await rm(home, { recursive: true, force: true });
  }
});

describe('mem0Layer against a local Mem0 API', () => {
  it('recalls nothing before anything was observed, after asking Mem0 for this conversation only', async () => {
    const layer = layerFor('alpha');
    expect(layer.source).toBe('Mem0 hosted API (memories extracted by Mem0 from each exchange)');

    expect(await layer.recall({ step: 1, prompt: 'Which database did we choose?' })).toBeNull();

    expect(bodiesTo('/v3/memories/search/')).toEqual([
      { query: 'Which database did we choose?', output_format: 'v1.1', top_k: 10, filters: { user_id: 'driftbench-run-1-alpha' } },
    ]);
  });

  it('adds each exchange under the conversation user and recalls what was stored', async () => {
    const layer = layerFor('alpha');
    await layer.observe({ step: 1, user: 'We must use PostgreSQL for the database, never MySQL.', reply: 'Understood: PostgreSQL only.' });
    await layer.observe({ step: 2, user: 'Budget is capped at 400 dollars a month.', reply: 'Noted, 400 dollars monthly.' });

    expect(bodiesTo('/v3/memories/add/')).toEqual([
      {
        messages: [
          { role: 'user', content: 'We must use PostgreSQL for the database, never MySQL.' },
          { role: 'assistant', content: 'Understood: PostgreSQL only.' },
        ],
        user_id: 'driftbench-run-1-alpha',
      },
      {
        messages: [
          { role: 'user', content: 'Budget is capped at 400 dollars a month.' },
          { role: 'assistant', content: 'Noted, 400 dollars monthly.' },
        ],
        user_id: 'driftbench-run-1-alpha',
      },
    ]);

    const recalled = await layer.recall({ step: 3, prompt: 'Set up the database and keep the monthly budget in mind.' });
    expect(recalled).toBe(
      [
        'Memories from earlier in this conversation (Mem0):',
        '- We must use PostgreSQL for the database, never MySQL.',
        '- Budget is capped at 400 dollars a month.',
        '- Noted, 400 dollars monthly.',
      ].join('\n'),
    );
  });

  it('keeps conversations apart: another conversation id sees none of the first one’s memories', async () => {
    await layerFor('alpha').observe({ step: 1, user: 'The launch codename is Bluebird.', reply: 'Bluebird it is.' });

    const other = layerFor('beta');
    expect(await other.recall({ step: 2, prompt: 'What is the launch codename, Bluebird?' })).toBeNull();
    // The same query in the first conversation does find it, so the null above is the user split.
    expect(await layerFor('alpha').recall({ step: 2, prompt: 'What is the launch codename, Bluebird?' })).toContain('Bluebird');

    expect(bodiesTo('/v3/memories/search/').map((b) => b['filters'])).toEqual([{ user_id: 'driftbench-run-1-beta' }, { user_id: 'driftbench-run-1-alpha' }]);
  });

  it('authenticates every call with the Token header, starting with the client’s ping', async () => {
    const layer = layerFor('alpha');
    await layer.observe({ step: 1, user: 'Deploy to Frankfurt only.', reply: 'Frankfurt only.' });
    await layer.recall({ step: 2, prompt: 'Where do we deploy, Frankfurt?' });
    await fake.waitForRequests(3); // the ping is not awaited by add or search
    expect(fake.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /v1/ping/', 'POST /v3/memories/add/', 'POST /v3/memories/search/']);

    for (const r of fake.requests) expect(r.headers['authorization']).toBe(`Token ${KEY}`);
  });

  it('does not load or call Mem0 until the layer is used', async () => {
    layerFor('alpha', { MEM0_API_KEY: 'm0-unused-layer-key', MEM0_HOST: fake.url });
    // Another layer's first call loads the client and goes to Mem0 and back. Had the first layer
    // connected when it was made, its client (with its own key) would have been made before this one.
    await layerFor('beta').recall({ step: 1, prompt: 'Anything stored yet?' });
    expect(clients.map((c) => c.apiKey)).toEqual([KEY]);
    expect(fake.requests.map((r) => r.headers['authorization'])).not.toContain('Token m0-unused-layer-key');
  });

  it('refuses to start without MEM0_API_KEY, naming the variable, before any request', () => {
    for (const env of [{ MEM0_HOST: fake.url }, { MEM0_API_KEY: '  ', MEM0_HOST: fake.url }]) {
      expect(() => layerFor('alpha', env)).toThrow(ProviderError);
      expect(() => layerFor('alpha', env)).toThrow(/MEM0_API_KEY is not set/);
    }
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('reports a rejected key as a MemoryFailed naming the conversation user, with nothing on the console', async () => {
    // A key with a space is not a valid `Token <key>` header, so the fake answers 401. The client
    // logs its failed ping to the console itself: the layer silences that.
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const layer = layerFor('alpha', { MEM0_API_KEY: 'two words', MEM0_HOST: fake.url });
    const err = await layer.recall({ step: 1, prompt: 'anything' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryFailed);
    expect((err as Error).message).toMatch(/^Mem0 search failed for driftbench-run-1-alpha \(step 1\): .*Invalid token header/);
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
    // And the console is itself again once no Mem0 call is in flight.
    expect(console.error).toBe(error);
  });

  it('scrubs the key, and every other secret it was given, from what a Mem0 error echoes', async () => {
    const other = 'sk-ant-api03-OTHER-SECRET-0123456789';
    await fake.close();
    fake = await startMem0Fake({
      fault: (req) =>
        req.path.startsWith('/v3/') ? { status: 500, text: JSON.stringify({ detail: `bad ${req.headers['authorization']} and ${other.slice(0, 20)}` }) } : undefined,
    });
    const layer = mem0Layer({ runId: 'run-1', conversationId: 'alpha', scenario, settings: memorySettingsFrom({ MEM0_API_KEY: KEY, MEM0_HOST: fake.url }, [other]) });
    const err = (await layer.observe({ step: 2, user: 'u', reply: 'r' }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(MemoryFailed);
    expect(err.message).toBe('Mem0 add failed for driftbench-run-1-alpha (step 2): {"detail":"bad Token [redacted] and [redacted]"}');
    expect(err.cause).toBeUndefined();
  });

  it('takes a search answer that is not a list of memories for a failure, not for "nothing recalled"', async () => {
    await fake.close();
    fake = await startMem0Fake({ fault: (req) => (req.path.startsWith('/v3/memories/search/') ? { status: 200, text: '{"results": "nope"}' } : undefined) });
    const err = await layerFor('alpha')
      .recall({ step: 3, prompt: 'anything' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemoryFailed);
    expect((err as Error).message).toBe('Mem0 search failed for driftbench-run-1-alpha (step 3): the answer is not a list of memories: {"results":"nope"}');
  });
});
