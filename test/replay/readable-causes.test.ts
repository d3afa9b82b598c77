import { describe, expect, it } from 'vitest';
import { readableCause } from '../../engine/providers/sdk-provider.js';
import { localServers } from '../helpers/local-servers.js';
import { runAgainst } from '../helpers/replay.js';

const servers = localServers();

describe('causes a user can act on', () => {
  it('a 200 with an HTML page: the content type and the base URL are named, not "request ended without sending any chunks"', async () => {
    const server = await servers.start();
    server.enqueue({ fault: 'html-page' }, { fault: 'html-page' });
    const { transcripts } = await runAgainst(server, { paths: ['test/fixtures/replay/three-steps.yaml'], models: ['claude-opus-4-7'], efforts: ['high'], maxRetries: 1 });
    const turn = transcripts[0]!.turns[0]!;
    expect(turn.error?.message).toMatch(/^stream_error: the endpoint answered 200 with text\/html, not an event stream: is the base URL right\?/);
    expect(turn.attempts.map((a) => a.message)).toEqual([
      expect.stringMatching(/^the endpoint answered 200 with text\/html/),
      expect.stringMatching(/^the endpoint answered 200 with text\/html/),
    ]);
  });

  it('a stream without usage: "the response has no usage", not the SDK\'s TypeError', async () => {
    const server = await servers.start();
    server.enqueue({ fault: 'no-usage' }, { fault: 'no-usage' });
    const { transcripts } = await runAgainst(server, { paths: ['test/fixtures/replay/three-steps.yaml'], models: ['claude-opus-4-7'], efforts: ['high'], maxRetries: 1 });
    const turn = transcripts[0]!.turns[0]!;
    expect(turn.error?.message).toMatch(/^response_without_usage: the response has no usage \(token counts\), so the turn cannot be priced/);
    expect(turn.error?.message).not.toMatch(/^\w+: Cannot read properties/);
    // Not retried: such an endpoint answers the same way every time, and each attempt may be billed.
    expect(turn.attempts.map((a) => a.message)).toEqual([expect.stringMatching(/^the response has no usage/)]);
    expect(server.messageRequests()).toHaveLength(1);
    // Anything else is left as it is.
    const other = new Error('socket hang up');
    expect(readableCause(other, 200, 'text/event-stream')).toBe(other);
  });
});
