import { describe, expect, it } from 'vitest';
import { MAX_REPLY_CHARS } from '../../engine/providers/sdk-provider.js';
import { localServers } from '../helpers/local-servers.js';
import { runAgainst } from '../helpers/replay.js';

const servers = localServers();

describe('the reply size cap', () => {
  it('a reply over 32 Mi characters is stopped, not retried, and the conversation errors with the reason', async () => {
    const server = await servers.start();
    // A word of 1 Mi characters, 33 times: over the cap by one word.
    const word = 'x'.repeat(1024 * 1024);
    server.enqueue({ content: [{ type: 'text', text: Array.from({ length: 33 }, () => word).join('') }] });
    const { transcripts } = await runAgainst(server, { paths: ['test/fixtures/replay/three-steps.yaml'], models: ['claude-opus-4-7'], efforts: ['high'] });
    expect(MAX_REPLY_CHARS).toBe(32 * 1024 * 1024);
    expect(server.messageRequests()).toHaveLength(1);
    const t = transcripts[0]!;
    expect(t.status).toBe('errored');
    expect(t.turns[0]!.error?.message).toMatch(/^response_too_large: the reply went over 32 Mi characters \(33554432\), far past any model's output limit; the stream was stopped/);
  });
});
