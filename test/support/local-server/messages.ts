import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendError, sendJson } from './http.js';
import { shapeReply, thinkingPlan, todayUsageFields } from './model-thinking.js';
import { findModel } from './models.js';
import type { DroppableParam } from './openrouter.js';
import type { PromptCache } from './prompt-cache.js';
import { replySigner } from './thinking-binding.js';
import { held, planReply, writeSse, type PlannedReply, type StreamEnding } from './sse.js';
import type { Fault, FaultKind, RecordedRequest, Scripted, ScriptedReply } from './types.js';

export const NOTHING_SCRIPTED = 'local server: no scripted reply for this request';
const REFUSAL_TEXT = "I can't help with that.";

export interface Settings {
  mode: 'anthropic' | 'openrouter';
  /** Parameters the endpoint ignores (types.ts, LocalServerOptions.dropParams). */
  dropParams: readonly DroppableParam[];
  ttftMs: number;
  perTokenMs: number;
  rejectParams: Record<string, string[]>;
  rules: 'today' | 'off';
  cache: PromptCache;
  /** Aborted when the server closes, so no timer outlives it. */
  signal: AbortSignal;
}

/**
 * The message a scripted reply becomes for this request: the mode or the model's rules
 * applied, usage split by the prompt cache.
 */
export function planMessage(reply: ScriptedReply, body: Record<string, unknown>, messageId: string, settings: Settings): PlannedReply {
  const model = settings.rules === 'today' ? findModel(String(body['model'])) : undefined;
  if (model !== undefined) {
    const shaped = shapeReply(reply, thinkingPlan(body, model));
    const today = { sign: replySigner(body, model), hiddenTokens: shaped.hiddenTokens, thinkingTokens: shaped.thinkingTokens, usage: todayUsageFields(body) };
    return planReply(shaped.reply, { messageId, model: String(body['model']), input: settings.cache.account(body), today });
  }
  // Without model rules nothing decides whether the model thinks: a dropped `thinking` drops the script's.
  const shown = settings.dropParams.includes('thinking') ? withoutThinking(reply) : reply;
  return planReply(shown, { messageId, model: String(body['model']), input: settings.cache.account(body) });
}

/** What the model behind the endpoint was asked (openrouter.ts): the body it received, and the model name to answer with. */
export interface Target {
  body: Record<string, unknown>;
  answeredAs: string;
}

/**
 * Answers a valid POST /v1/messages with what was scripted for it: a reply (streamed or
 * whole), or a fault.
 */
export async function answerMessage(
  rec: RecordedRequest,
  res: ServerResponse,
  scripted: Scripted | undefined,
  settings: Settings,
  target: Target = { body: rec.body, answeredAs: String(rec.body['model']) },
): Promise<void> {
  if (scripted === undefined || 'batch' in scripted) {
    rec.outcome = 'unexpected';
    const message = scripted === undefined ? NOTHING_SCRIPTED : `local server: {batch: '${scripted.batch}'} is only meaningful inside a message batch`;
    return sendError(res, 500, 'api_error', message, rec.requestId);
  }
  const fault = 'fault' in scripted ? scripted : undefined;
  rec.outcome = fault ? 'fault' : 'reply';
  if (fault) rec.fault = fault.fault;

  const retryHeaders = (f: Fault) => ({ 'retry-after': String(f.retryAfterS ?? 1), 'retry-after-ms': String(f.retryAfterMs ?? 10) });
  switch (fault?.fault) {
    case 'rate-limit':
      return sendError(res, 429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', rec.requestId, retryHeaders(fault));
    case 'overloaded':
      return sendError(res, 529, 'overloaded_error', 'Overloaded', rec.requestId, retryHeaders(fault));
    case 'connection-reset':
      res.socket?.destroy();
      return;
    case 'no-headers':
      return held(res, settings.signal);
    case 'bad-request':
      return sendError(res, 400, 'invalid_request_error', 'messages: the request is malformed (scripted fault)', rec.requestId);
    case 'html-page':
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>\n');
    case 'echo-key': {
      // Both ways a key is sent: x-api-key (Anthropic) and a Bearer token (OpenRouter).
      const key = rec.headers['x-api-key'] ?? rec.headers['authorization']?.replace(/^Bearer /u, '') ?? '';
      return sendError(res, fault.status ?? 500, 'api_error', `invalid credentials "${key}" (key starts ${key.slice(0, 20)}..., ends ...${key.slice(-18)})`, rec.requestId);
    }
    case 'server-error': {
      const headers: Record<string, string> = fault.retryAfterMs === undefined ? {} : { 'retry-after-ms': String(fault.retryAfterMs) };
      return sendError(res, 500, 'api_error', 'Internal server error', rec.requestId, headers);
    }
  }

  const reply = fault ? faultReply(fault) : (scripted as ScriptedReply);
  const plan = planMessage({ ...reply, model: reply.model ?? target.answeredAs }, target.body, `msg_local_${rec.seq}`, settings);
  const streamFault = fault && isStreamFault(fault.fault) ? fault.fault : undefined;
  if (fault?.fault === 'no-usage') withoutUsage(plan);

  if (rec.body.stream === true) return writeSse(res, plan.events, endingOf(fault, streamFault), settings, rec.arrivedMs);
  if (fault && isStallFault(fault.fault)) {
    // A non-streaming answer that stalls: its headers, then a body that never ends.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    return held(res, settings.signal);
  }

  // Non-streaming: the whole generation time passes before the body is sent.
  const waitMs = plan.tokenCount === 0 ? 0 : rec.arrivedMs + settings.ttftMs + settings.perTokenMs * (plan.tokenCount - 1) - performance.now();
  if (waitMs > 0) await sleep(waitMs, undefined, { signal: settings.signal });
  switch (streamFault) {
    case 'stream-error':
      // A non-streaming request has no event channel for a mid-generation error: it surfaces as a 529.
      return sendError(res, 529, 'overloaded_error', 'Overloaded', rec.requestId);
    case 'malformed-sse':
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{not json');
    case 'cut-stream': {
      const body = JSON.stringify(plan.message);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(body.slice(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    }
  }
  return sendJson(res, 200, plan.message);
}

export function isStreamFault(kind: FaultKind): kind is Exclude<StreamEnding['kind'], 'complete'> {
  return kind === 'cut-stream' || kind === 'stream-error' || kind === 'malformed-sse' || isStallFault(kind);
}

function isStallFault(kind: FaultKind): kind is 'stall' | 'pings-only' | 'trickle' {
  return kind === 'stall' || kind === 'pings-only' || kind === 'trickle';
}

function endingOf(fault: Fault | undefined, kind: Exclude<StreamEnding['kind'], 'complete'> | undefined): StreamEnding {
  if (fault === undefined || kind === undefined) return { kind: 'complete' };
  if (kind === 'trickle') return { kind, everyMs: fault.everyMs ?? 1000 };
  if (kind === 'pings-only') return { kind, afterEvents: fault.afterEvents ?? 1, everyMs: fault.everyMs ?? 100 };
  return { kind, afterEvents: fault.afterEvents ?? 3 };
}

/** What the stream faults stream before they fail, and what a refusal says. */
export function faultReply(fault: Fault): ScriptedReply {
  if (fault.fault === 'refusal') {
    return {
      content: [{ type: 'text', text: REFUSAL_TEXT }],
      stop_reason: 'refusal',
      stop_details: { type: 'refusal', category: null, explanation: fault.explanation ?? null },
    };
  }
  const words = Array.from({ length: Math.max(fault.afterEvents ?? 3, 8) }, (_, i) => `partial${i + 1}`);
  return { content: [{ type: 'text', text: words.join(' ') }] };
}

/** The script's reply with its thinking blocks left out. */
function withoutThinking(reply: ScriptedReply): ScriptedReply {
  return { ...reply, content: reply.content.filter((b) => b.type === 'text') };
}

/** The reply as an endpoint that is not Anthropic-compatible enough sends it: no `usage` anywhere. */
function withoutUsage(plan: PlannedReply): void {
  delete (plan.message as { usage?: unknown }).usage;
  for (const e of plan.events) {
    const data = e.data as { usage?: unknown; message?: { usage?: unknown } };
    delete data.usage;
    if (data.message) delete data.message.usage;
  }
}
