// Starts the local Anthropic-compatible server for manual runs and demos, answering every
// request with echoResponder. Build first (npm run build).
// Usage: node scripts/local-server.mjs [--port 8787] [--mode anthropic|openrouter] [--ttft-ms N] [--per-token-ms N]
import { parseArgs } from 'node:util';
import { echoResponder, startLocalServer } from '../dist/engine/local-server/index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    mode: { type: 'string', default: 'anthropic' },
    'ttft-ms': { type: 'string', default: '0' },
    'per-token-ms': { type: 'string', default: '0' },
  },
});

function nonNegativeInt(flag, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a whole number >= 0, got ${JSON.stringify(text)}`);
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
  });
  const baseURL = values.mode === 'openrouter' ? `${server.url}/api` : server.url;
  console.log(`local ${values.mode} server listening on ${server.url} (SDK baseURL: ${baseURL}); Ctrl-C stops it`);
  const stop = async () => {
    await server.close();
    console.log(`stopped after ${server.requests.length} request(s)`);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(`local-server: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
