// The floor under replay wall time on this machine: the same workload as replay-scale (C
// conversations of S turns, K at a time, the T1 scenario's prompts, growing history) sent by a
// client that does nothing else. Run as a child process by replay-scale.bench.mjs:
//   node scripts/bench/replay-floor.mjs <server-url> <http|sdk> <write|nowrite> C K
// It prints one JSON line: { ms }.
//   http   node:http with a keep-alive agent, the whole SSE body read as text;
//   sdk    @anthropic-ai/sdk messages.stream over the engine's transport, as the engine sends;
//   write  after each turn, the conversation so far is written with the engine's durable
//          atomic write (temp file, fsync, rename), before the next request, as the engine does.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import Anthropic from '@anthropic-ai/sdk';
import { root } from './lib.mjs';

const [url, mode, write, cArg, kArg] = process.argv.slice(2);
const C = Number(cArg);
const K = Number(kArg);
const scenario = parse(await readFile(join(root, 'scenarios', 't1-cascading-migration.yaml'), 'utf8'));
const prompts = scenario.steps.map((s) => s.prompt);
const { createNodeFetch } = await import(join(root, 'dist', 'engine', 'providers', 'node-fetch.js'));
const { FileWriter } = await import(join(root, 'dist', 'engine', 'transcript', 'file-writer.js'));

const agent = new Agent({ keepAlive: true });
function httpTurn(body) {
  const data = JSON.stringify({ ...body, stream: true });
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/messages`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-api-key': 'bench', 'anthropic-version': '2023-06-01', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.setEncoding('utf8');
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve([{ type: 'text', text: text.slice(-200) }]));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}
const client = new Anthropic({ apiKey: 'bench', baseURL: url, maxRetries: 2, fetch: createNodeFetch(), openTelemetry: false });
async function sdkTurn(body) {
  const stream = client.messages.stream(body);
  for await (const _event of stream);
  return (await stream.finalMessage()).content;
}

const turn = mode === 'sdk' ? sdkTurn : httpTurn;
const writer = new FileWriter();
writer.start();
const dir = await mkdtemp(join(tmpdir(), 'driftbench-floor-'));
let next = 0;
const start = performance.now();
await Promise.all(
  Array.from({ length: K }, async () => {
    while (next < C) {
      const id = next++;
      const messages = [];
      for (const prompt of prompts) {
        messages.push({ role: 'user', content: [{ type: 'text', text: prompt }] });
        const content = await turn({ model: 'claude-opus-4-7', max_tokens: 16000, system: scenario.system, messages });
        messages.push({ role: 'assistant', content });
        if (write === 'write') await writer.write(join(dir, `c${id}.json`), JSON.stringify({ id, messages }, null, 2) + '\n');
      }
    }
  }),
);
const ms = performance.now() - start;
await rm(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ ms }) + '\n');
process.exit(0);
