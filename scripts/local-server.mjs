// Starts the local Anthropic-compatible server for manual runs and demos, answering every
// request with echoResponder. Build first (npm run build). --help prints the usage.
import { parseArgs } from 'node:util';

const USAGE = `Usage: node scripts/local-server.mjs [options]

Starts the local Anthropic-compatible server (build first: npm run build) and answers every
request with echoResponder. Ctrl-C stops it.

  --port N               port to listen on (default 8787; 0 picks a free one)
  --mode M               anthropic | openrouter (default anthropic)
  --rules R              today | off (default today): today applies each model line's rules
                         (unknown and retired models, thinking, efforts, sampling parameters,
                         bound thinking signatures) and sends today's usage fields and
                         anthropic-ratelimit-* headers; in openrouter mode to the request as
                         OpenRouter forwards it (OpenRouter's model ids, its thinking defaults)
  --drop P[,P]           effort and/or thinking: parameters the server ignores without saying
                         so, as OpenRouter did on Claude until June 2026 (default: none)
  --models-api on|off    serve GET /v1/models (default on)
  --ttft-ms N            latency to the first token (default 0)
  --per-token-ms N       latency between tokens (default 0)
  --rpm N                requests per minute (default: no limit)
  --itpm N               input tokens per minute (default: no limit)
  --concurrent N         requests in flight at once (default: no limit)
  --batch-latency-ms N   how long a message batch stays in progress (default 0)
  --cache-min-tokens N   the shortest prefix the prompt cache keeps (default 0)
  -h, --help             print this and exit`;

const options = {
  help: { type: 'boolean', short: 'h', default: false },
  port: { type: 'string', default: '8787' },
  mode: { type: 'string', default: 'anthropic' },
  rules: { type: 'string', default: 'today' },
  drop: { type: 'string', default: '' },
  'models-api': { type: 'string', default: 'on' },
  'ttft-ms': { type: 'string', default: '0' },
  'per-token-ms': { type: 'string', default: '0' },
  // Rate limits are off unless asked for.
  rpm: { type: 'string' },
  itpm: { type: 'string' },
  concurrent: { type: 'string' },
  'batch-latency-ms': { type: 'string', default: '0' },
  'cache-min-tokens': { type: 'string', default: '0' },
};

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

function oneOf(flag, text, allowed) {
  if (!allowed.includes(text)) throw new Error(`--${flag} must be ${allowed.join(' or ')}, got ${JSON.stringify(text)}`);
  return text;
}

try {
  let values;
  try {
    ({ values } = parseArgs({ options }));
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
  } else {
    const mode = oneOf('mode', values.mode, ['anthropic', 'openrouter']);
    const rules = oneOf('rules', values.rules, ['off', 'today']);
    const dropParams = values.drop === '' ? [] : values.drop.split(',').map((p) => oneOf('drop', p.trim(), ['effort', 'thinking']));
    // The server is imported only now, so --help and a bad flag work before a build.
    const { echoResponder, startLocalServer } = await import('../dist/test/support/local-server/index.js');
    const server = await startLocalServer({
      port: nonNegativeInt('port', values.port),
      mode,
      rules,
      dropParams,
      modelsApi: oneOf('models-api', values['models-api'], ['on', 'off']) === 'on',
      latency: { ttftMs: nonNegativeInt('ttft-ms', values['ttft-ms']), perTokenMs: nonNegativeInt('per-token-ms', values['per-token-ms']) },
      responder: echoResponder(),
      rateLimit: {
        requestsPerMinute: positiveIntOrUndefined('rpm', values.rpm),
        inputTokensPerMinute: positiveIntOrUndefined('itpm', values.itpm),
        concurrent: positiveIntOrUndefined('concurrent', values.concurrent),
      },
      batchLatencyMs: nonNegativeInt('batch-latency-ms', values['batch-latency-ms']),
      cacheMinTokens: nonNegativeInt('cache-min-tokens', values['cache-min-tokens']),
    });
    const baseURL = mode === 'openrouter' ? `${server.url}/api` : server.url;
    console.log(`local ${mode} server (rules ${rules}) listening on ${server.url} (SDK baseURL: ${baseURL}); Ctrl-C stops it`);
    const stop = async () => {
      await server.close();
      const { rateLimited } = server.stats();
      console.log(`stopped after ${server.requests.length} request(s)${rateLimited > 0 ? `, ${rateLimited} of them rate-limited` : ''}`);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
} catch (error) {
  console.error(`local-server: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
