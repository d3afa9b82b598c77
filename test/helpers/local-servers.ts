import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { afterEach, expect } from 'vitest';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../support/local-server/index.js';

/**
 * Local servers for one test file: each is closed after the test that started it, and a request
 * nobody scripted fails that test (it is a bug in the test or in the code under test), unless
 * the test said it expects some.
 */
export function localServers(): { start: (opts?: LocalServerOptions) => Promise<LocalServer>; allowUnexpected: () => void } {
  let servers: LocalServer[] = [];
  let allow = false;
  afterEach(async () => {
    const surprises = allow ? [] : servers.flatMap((s) => s.unexpected());
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
    allow = false;
    expect(surprises).toEqual([]);
  });
  return {
    start: async (opts) => {
      const server = await startLocalServer(opts);
      servers.push(server);
      return server;
    },
    allowUnexpected: () => {
      allow = true;
    },
  };
}

/** The real SDK, pointed at a local server, with no retries of its own. */
export function clientFor(server: LocalServer): Anthropic {
  return new Anthropic({ baseURL: server.url, apiKey: 'x', maxRetries: 0 });
}

/** The error a request ends with; fails the test if it succeeds. */
export async function refusal(promise: Promise<unknown>): Promise<APIError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(APIError);
  return outcome as APIError;
}
