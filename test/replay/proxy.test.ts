import { afterEach, describe, expect, it } from 'vitest';
import { echoResponder } from '../support/local-server/index.js';
import { startForwardProxy, type ForwardProxy } from '../support/forward-proxy.js';
import { localServers } from '../helpers/local-servers.js';
import { runBin, STACK_LINE } from '../helpers/cli.js';
import { FAKE_KEY, replayArgs, tempDir } from '../helpers/replay.js';

/**
 * Behind a company proxy: the real binary honours HTTP_PROXY / HTTPS_PROXY, and NO_PROXY sends
 * a host direct (README, "Behind a proxy").
 */
const servers = localServers();
let proxy: ForwardProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

const run = (url: string, out: string, env: NodeJS.ProcessEnv, ...extra: string[]) =>
  runBin(replayArgs(url, '--repeats', '1', ...extra, '--out', out, '--run-name', 'p'), { env: { ANTHROPIC_API_KEY: FAKE_KEY, ...env } });

describe('proxies', () => {
  it('sends every request through HTTP_PROXY when one is set', async () => {
    const server = await servers.start({ responder: echoResponder() });
    proxy = await startForwardProxy();
    const host = new URL(server.url).host;
    const r = await run(server.url, await tempDir(), { HTTP_PROXY: proxy.url });
    expect(r.code, r.stderr).toBe(0);
    expect(server.messageRequests()).toHaveLength(3);
    // Tunnelled: the proxy saw the connection to the endpoint, and only that.
    expect(proxy.seen.length).toBeGreaterThan(0);
    expect(new Set(proxy.seen)).toEqual(new Set([`CONNECT ${host}`]));
  });

  it('uses the lower-case variable too, and goes direct to a host NO_PROXY covers', async () => {
    const server = await servers.start({ responder: echoResponder() });
    proxy = await startForwardProxy();
    const viaLower = await run(server.url, await tempDir(), { http_proxy: proxy.url });
    expect(viaLower.code, viaLower.stderr).toBe(0);
    const through = proxy.seen.length;
    expect(through).toBeGreaterThan(0);

    const direct = await run(server.url, await tempDir(), { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1,localhost' });
    expect(direct.code, direct.stderr).toBe(0);
    expect(proxy.seen).toHaveLength(through); // nothing more went through the proxy
    expect(server.messageRequests()).toHaveLength(6);
  });

  it('stops before the run with a clear error, not a hang or a stack, when the proxy is unreachable', async () => {
    const server = await servers.start({ responder: echoResponder() });
    const r = await run(server.url, await tempDir(), { HTTP_PROXY: 'http://127.0.0.1:9' }, '--max-retries', '0');
    // The models are looked up first (GET /v1/models/{id}), through the proxy: that fails, so nothing else is tried.
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/could not look the models up at http:\/\/127\.0\.0\.1:\d+ \(GET \/v1\/models\): connection_error/);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(server.requests).toHaveLength(0);
  });
});
