// Starts the local Anthropic-compatible server for manual runs and demos, answering every
// request with echoResponder. Build first (npm run build).
// Usage: node scripts/local-server.mjs [--port 8787] [--mode anthropic|openrouter] [--ttft-ms N] [--per-token-ms N]
//          [--rpm N] [--concurrent N] [--batch-latency-ms N] [--cache-min-tokens N]
import { parseArgs } from 'node:util';
import { echoResponder, startLocalServer } from '../dist/test/support/local-server/index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    mode: { type: 'string', default: 'anthropic' },
    'ttft-ms': { type: 'string', default: '0' },
    'per-token-ms': { type: 'string', default: '0' },
    // Rate limits are off unless asked for.
    rpm: { type: 'string' },
    concurrent: { type: 'string' },
    'batch-latency-ms': { type: 'string', default: '0' },
    'cache-min-tokens': { type: 'string', default: '0' },
  },
});

function nonNegativeInt(flag, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a whole number >= 0, got ${JSON.stringify(text)}`);
  return n;
}

function positiveIntOrUndefined(flag, text) {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a whole number >= 1, got ${JSON.stringify(text)}`);
  return n;
}

try {
  if (values.mode !== 'anthropic' && values.mode !== 'openrouter') {
    throw new Error(`--mode must be anthropic or openrouter, got ${JSON.stringify(values.mode)}`);
  }
  const server = await startLocalServer({
    port: nonNegativeInt('port', values.port),
    mode: values.mode,
    latency: { ttftMs: nonNegativeInt('ttft-ms', values['ttft-ms']), perTokenMs: nonNegativeInt('per-token-ms', values['per-token-ms']) },
    responder: echoResponder(),
    rateLimit: { requestsPerMinute: positiveIntOrUndefined('rpm', values.rpm), concurrent: positiveIntOrUndefined('concurrent', values.concurrent) },
    batchLatencyMs: nonNegativeInt('batch-latency-ms', values['batch-latency-ms']),
    cacheMinTokens: nonNegativeInt('cache-min-tokens', values['cache-min-tokens']),
  });
  const baseURL = values.mode === 'openrouter' ? `${server.url}/api` : server.url;
  console.log(`local ${values.mode} server listening on ${server.url} (SDK baseURL: ${baseURL}); Ctrl-C stops it`);
  const stop = async () => {
    await server.close();
    const { rateLimited } = server.stats();
    console.log(`stopped after ${server.requests.length} request(s)${rateLimited > 0 ? `, ${rateLimited} of them rate-limited` : ''}`);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(`local-server: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
