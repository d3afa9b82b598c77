import { describe, expect, it } from 'vitest';
import { MAX_STREAM_BYTES } from '../../engine/providers/response-cap.js';
import { localServers } from '../helpers/local-servers.js';
import { runAgainst } from '../helpers/replay.js';

const servers = localServers();

// A response stream over 64 MiB is cut as its bytes arrive, before the SDK decodes them: a reply
// that large is a broken or hostile endpoint (engine/providers/response-cap.ts).
describe('the response size cap', () => {
  it.each([
    ['one event of 65 MiB (cut before the SDK holds the line)', () => ['x'.repeat(65 * 1024 * 1024)]],
    ['65 events of 1 MiB', () => Array.from({ length: 65 }, () => 'x'.repeat(1024 * 1024))],
  ])('%s: stopped, not retried, and the conversation errors with the reason', async (_, words) => {
    const server = await servers.start();
    server.enqueue({ content: [{ type: 'text', text: words().join(' ') }] });
    const { transcripts } = await runAgainst(server, { paths: ['test/fixtures/replay/three-steps.yaml'], models: ['claude-opus-4-7'], efforts: ['high'] });
    expect(MAX_STREAM_BYTES).toBe(64 * 1024 * 1024);
    expect(server.messageRequests()).toHaveLength(1);
    const t = transcripts[0]!;
    expect(t.status).toBe('errored');
    expect(t.turns[0]!.error?.message).toMatch(/^response_too_large: the response went over 64 MiB, far past any model's output; the stream was stopped/);
    expect(t.turns[0]!.attempts).toEqual([expect.objectContaining({ outcome: 'stream-error', message: expect.stringMatching(/^the response went over 64 MiB/) })]);
  });

  it('a reply within the cap is whole', async () => {
    const server = await servers.start();
    const text = 'y'.repeat(8 * 1024 * 1024);
    server.enqueue({ content: [{ type: 'text', text }] }, { content: [{ type: 'text', text: 'ok' }] }, { content: [{ type: 'text', text: 'ok' }] });
    const { transcripts } = await runAgainst(server, { paths: ['test/fixtures/replay/three-steps.yaml'], models: ['claude-opus-4-7'], efforts: ['high'] });
    const t = transcripts[0]!;
    expect(t.status).toBe('complete');
    expect(t.turns[0]!.response!.content.filter((b) => b.type === 'text')).toEqual([expect.objectContaining({ text })]);
  });
});
