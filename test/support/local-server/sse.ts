import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheUsage } from './prompt-cache.js';
import type { ScriptedBlock, ScriptedReply } from './types.js';

/**
 * The only signature the server accepts when a thinking block comes back in the history, so
 * a client that edits thinking (or drops the signature) gets the same 400 the real API gives.
 */
export function signThinking(thinking: string): string {
  return `sig_${createHash('sha256').update(thinking).digest('base64url')}`;
}

/** Word-sized tokens, each keeping the white space that follows it, so joining them gives the text back. */
export function chunkText(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\s)(?=\S)/u);
}

export interface SseEvent {
  name: string;
  data: Record<string, unknown>;
}

export interface PlannedReply {
  /** The whole message, as a non-streaming request returns it. */
  message: Record<string, unknown>;
  /** The same message as the stream of events the Messages API sends. */
  events: SseEvent[];
  /** Text and thinking deltas: what latency.perTokenMs paces. */
  tokenCount: number;
}

export interface ReplyContext {
  messageId: string;
  /** The request's model, used unless the reply names its own. */
  model: string;
  /** Estimated from the request and split by the prompt cache; a scripted reply.usage replaces it. */
  input: CacheUsage;
  /** Rules 'today' only: what today's API adds to a reply. */
  today?: TodayReply;
}

export interface TodayReply {
  /** Signs a thinking block given the reply's blocks before it, as sent (thinking-binding.ts). */
  sign: (before: unknown[], thinking: string) => string;
  /** Thinking chunks the display left out: counted in output_tokens all the same. */
  hiddenTokens: number;
  /** usage.output_tokens_details.thinking_tokens. */
  thinkingTokens: number;
  /** service_tier, inference_geo, speed. */
  usage: Record<string, unknown>;
}

/** The usage fields a script may set beyond the token counts (types.ts, ScriptedReply.usage). */
const TOP_LEVEL_FIELDS = ['service_tier', 'inference_geo', 'speed'] as const;
const DETAIL_FIELDS = ['output_tokens_details', 'server_tool_use'] as const;

/** Builds the message and its event sequence once, so streaming and non-streaming answers agree. */
export function planReply(reply: ScriptedReply, ctx: ReplyContext): PlannedReply {
  const chunked = reply.content.map((block) => ({ block, chunks: blockChunks(block) }));
  const tokenCount = chunked.reduce((n, c) => n + c.chunks.length, 0);
  const input = reply.usage === undefined ? ctx.input : scriptedInput(reply.usage, ctx.input);
  const usage = {
    input_tokens: input.input_tokens,
    output_tokens: reply.usage?.output_tokens ?? tokenCount + (ctx.today?.hiddenTokens ?? 0),
    cache_creation_input_tokens: input.cache_creation_input_tokens,
    cache_read_input_tokens: input.cache_read_input_tokens,
  };
  const finalUsage = reply.cost === undefined ? usage : { ...usage, cost: reply.cost };
  // The message's usage also splits writes by ttl; message_delta's usage has no such field.
  const cacheCreation = reply.usage?.cache_creation ?? input.cache_creation;
  // Today's fields: tier, geo and speed in the message (and message_start); the output
  // breakdown in the message and in message_delta, whose usage the SDK copies it from.
  const topLevel = { ...ctx.today?.usage, ...pick(reply.usage, TOP_LEVEL_FIELDS) };
  const todayDetails = ctx.today && { output_tokens_details: { thinking_tokens: ctx.today.thinkingTokens }, server_tool_use: null };
  const details = { ...todayDetails, ...pick(reply.usage, DETAIL_FIELDS) };
  const startDetails = Object.keys(details).length === 0 ? {} : { output_tokens_details: null, server_tool_use: null };
  const stop = {
    stop_reason: reply.stop_reason ?? 'end_turn',
    stop_sequence: null,
    stop_details: reply.stop_details ?? null,
  };
  const head = { id: ctx.messageId, type: 'message', role: 'assistant', model: reply.model ?? ctx.model };

  const events: SseEvent[] = [
    {
      name: 'message_start',
      data: {
        type: 'message_start',
        message: {
          ...head,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          stop_details: null,
          usage: { ...usage, cache_creation: cacheCreation, ...topLevel, ...startDetails, output_tokens: 1 },
        },
      },
    },
    { name: 'ping', data: { type: 'ping' } },
  ];
  // Signed in order: under rules 'today' a signature covers the blocks before it.
  const finals: Array<Record<string, unknown>> = [];
  for (const block of reply.content) finals.push(finalOf(block, finals, ctx.today?.sign));
  chunked.forEach(({ block, chunks }, index) => {
    events.push({ name: 'content_block_start', data: { type: 'content_block_start', index, content_block: startOf(block) } });
    for (const chunk of chunks) {
      const delta = block.type === 'thinking' ? { type: 'thinking_delta', thinking: chunk } : { type: 'text_delta', text: chunk };
      events.push({ name: 'content_block_delta', data: { type: 'content_block_delta', index, delta } });
    }
    if (block.type === 'thinking') {
      const delta = { type: 'signature_delta', signature: finals[index]?.['signature'] };
      events.push({ name: 'content_block_delta', data: { type: 'content_block_delta', index, delta } });
    }
    events.push({ name: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  // Usage in message_delta is cumulative: the SDK overwrites its snapshot with it, never adds.
  events.push({ name: 'message_delta', data: { type: 'message_delta', delta: stop, usage: { ...finalUsage, ...details } } });
  events.push({ name: 'message_stop', data: { type: 'message_stop' } });

  const message = { ...head, content: finals, ...stop, usage: { ...finalUsage, cache_creation: cacheCreation, ...topLevel, ...details } };
  return { message, events, tokenCount };
}

function pick(usage: ScriptedReply['usage'], keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (usage !== undefined && key in usage) out[key] = (usage as Record<string, unknown>)[key];
  return out;
}

/**
 * A scripted usage is the whole truth about the input side, as it was before the prompt cache
 * was emulated: a field it leaves out is the full estimate (input) or 0 (cache), never the
 * cache's split, so a test that scripts input_tokens alone is not billed for cache writes too.
 */
function scriptedInput(scripted: NonNullable<ScriptedReply['usage']>, estimated: CacheUsage): CacheUsage {
  const total = estimated.input_tokens + estimated.cache_creation_input_tokens + estimated.cache_read_input_tokens;
  const creation = scripted.cache_creation_input_tokens ?? 0;
  return {
    input_tokens: scripted.input_tokens ?? total,
    cache_creation_input_tokens: creation,
    cache_read_input_tokens: scripted.cache_read_input_tokens ?? 0,
    cache_creation: { ephemeral_5m_input_tokens: creation, ephemeral_1h_input_tokens: 0 },
  };
}

function blockChunks(block: ScriptedBlock): string[] {
  if (block.type === 'thinking') return chunkText(block.thinking);
  if (block.type === 'text') return chunkText(block.text);
  return [];
}

function startOf(block: ScriptedBlock): Record<string, unknown> {
  if (block.type === 'thinking') return { type: 'thinking', thinking: '', signature: '' };
  if (block.type === 'text') return { type: 'text', text: '' };
  return { type: 'redacted_thinking', data: block.data };
}

function finalOf(block: ScriptedBlock, before: unknown[], sign: TodayReply['sign'] | undefined): Record<string, unknown> {
  if (block.type === 'thinking') {
    const signature = block.signature ?? (sign === undefined ? signThinking(block.thinking) : sign([...before], block.thinking));
    return { type: 'thinking', thinking: block.thinking, signature };
  }
  if (block.type === 'text') return { type: 'text', text: block.text };
  return { type: 'redacted_thinking', data: block.data };
}

export function formatEvent(event: SseEvent): string {
  return `event: ${event.name}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * How a stream ends: normally, with one of the stream faults after `afterEvents` events, or not
 * at all (a stall: nothing more, pings only, or every byte `everyMs` apart).
 */
export type StreamEnding =
  | { kind: 'complete' }
  | { kind: 'cut-stream' | 'stream-error' | 'malformed-sse' | 'stall'; afterEvents: number }
  | { kind: 'pings-only'; afterEvents: number; everyMs: number }
  | { kind: 'trickle'; everyMs: number };

export interface Pacing {
  /** From the request's arrival (`arrivedMs`) to the first text or thinking delta. */
  ttftMs: number;
  perTokenMs: number;
  /** Aborted when the server closes, so no timer outlives it. */
  signal: AbortSignal;
}

const OVERLOADED_EVENT = formatEvent({
  name: 'error',
  data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
});
// Cut inside the JSON on purpose: the SDK must fail on it rather than skip it.
const MALFORMED_EVENT = 'event: content_block_delta\ndata: {not json\n\n';

/**
 * Writes the 200 event-stream answer. Sends the first content_block_delta ttftMs after the
 * request arrived, and waits perTokenMs before each later text or thinking delta. A stream fault stops before
 * message_stop, so the client never sees a complete message.
 */
export async function writeSse(res: ServerResponse, events: SseEvent[], ending: StreamEnding, pacing: Pacing, arrivedMs: number): Promise<void> {
  // The headers go out with the first events, in one packet.
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  if (ending.kind === 'trickle') return trickle(res, events.map(formatEvent).join(''), ending.everyMs, pacing.signal);
  const limit = ending.kind === 'complete' ? events.length : Math.min(ending.afterEvents, events.length - 1);
  // Formatted before any wait, so that when a token falls due only a write is left to do.
  const texts = events.slice(0, limit).map(formatEvent);
  let deltasSent = 0;
  // Events due at the same moment go out in one write, as a server's socket buffer would send
  // them; one write per event cost both ends a syscall and a parse round each (BENCHMARKS.md).
  let pending = '';
  for (let i = 0; i < texts.length; i++) {
    const event = events[i]!;
    if (event.name === 'content_block_delta') {
      const isSignature = (event.data['delta'] as { type: string }).type === 'signature_delta';
      // The first token is due ttftMs after the request arrived, however long the server took
      // to read and check it: the emulated model's latency is L, not L plus this process's work.
      const wait = deltasSent === 0 ? arrivedMs + pacing.ttftMs - performance.now() : isSignature ? 0 : pacing.perTokenMs;
      if (wait > 0) {
        await write(res, pending);
        pending = '';
        if (res.destroyed) return;
        await sleep(wait, undefined, { signal: pacing.signal });
      }
      deltasSent++;
    }
    if (res.destroyed) return;
    pending += texts[i];
  }
  if (res.destroyed) return;
  switch (ending.kind) {
    case 'complete':
      res.end(pending);
      return;
    case 'cut-stream':
      // Without a terminating chunk the client sees the body end mid-message, like a dropped connection.
      if (pending !== '') await write(res, pending);
      res.destroy();
      return;
    case 'stream-error':
      res.end(pending + OVERLOADED_EVENT);
      return;
    case 'malformed-sse':
      res.end(pending + MALFORMED_EVENT);
      return;
    case 'stall':
      if (pending !== '') await write(res, pending);
      return held(res, pacing.signal);
    case 'pings-only':
      if (pending !== '') await write(res, pending);
      while (await pause(res, ending.everyMs, pacing.signal)) await write(res, PING_EVENT);
      return;
  }
}

const PING_EVENT = formatEvent({ name: 'ping', data: { type: 'ping' } });

/** Writes `text` one byte at a time, `everyMs` apart, while the client listens. */
async function trickle(res: ServerResponse, text: string, everyMs: number, signal: AbortSignal): Promise<void> {
  res.flushHeaders();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i++) {
    if (!(await pause(res, everyMs, signal))) return;
    await write(res, bytes.subarray(i, i + 1));
  }
  res.end();
}

/** A stalled answer: nothing more is sent until the client leaves or the server closes. */
export function held(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || signal.aborted) return resolve();
    res.once('close', () => resolve());
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Waits `ms`; false when the client left or the server is closing (then nothing more is written). */
async function pause(res: ServerResponse, ms: number, signal: AbortSignal): Promise<boolean> {
  if (res.destroyed || signal.aborted) return false;
  await sleep(ms, undefined, { signal }).catch(() => {});
  return !res.destroyed && !signal.aborted;
}

/** Resolves once the chunk is handed to the socket, so a following destroy() cannot drop it. */
function write(res: ServerResponse, chunk: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    res.write(chunk, () => resolve());
  });
}
