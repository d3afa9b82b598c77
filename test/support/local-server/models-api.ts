import type Anthropic from '@anthropic-ai/sdk';
import type { ServerResponse } from 'node:http';
import { rejectRequest, sendJson } from './http.js';
import { findModel, MODELS, type ModelRecord } from './models.js';
import type { RecordedRequest } from './types.js';

/**
 * The Models API from the model table: GET /v1/models (paginated, filtered by lifecycle) and
 * GET /v1/models/{id}, in the SDK's ModelInfo shape (node_modules/@anthropic-ai/sdk/resources/models.d.ts).
 * Parameters as https://platform.claude.com/docs/en/api/models/list gives them: lifecycle[]
 * (up to 3; default active and deprecated), limit (default 20, 1 to 1000), after_id, before_id.
 */

const MODELS_PATH = /^\/v1\/models(?:\/([^/]+))?$/u;
const LIFECYCLES = ['active', 'deprecated', 'retired'] as const;
type Lifecycle = (typeof LIFECYCLES)[number];

/** undefined: not a Models API path; otherwise the model id asked for, if any. */
export function matchModelsRoute(path: string): { id?: string } | undefined {
  const match = MODELS_PATH.exec(path);
  if (match === null) return undefined;
  return match[1] === undefined ? {} : { id: decodeURIComponent(match[1]) };
}

/** Answers an authorized GET to a Models API path. */
export function answerModels(rec: RecordedRequest, res: ServerResponse, route: { id?: string }): void {
  if (route.id !== undefined) {
    const model = findModel(route.id);
    // An alias resolves to its model; a retired model stays in the catalogue.
    if (model === undefined) return rejectRequest(rec, res, 404, 'not_found_error', `model: ${route.id}`);
    rec.outcome = 'reply';
    return sendJson(res, 200, modelInfo(model));
  }
  const page = listPage(new URLSearchParams(rec.query ?? ''));
  if (typeof page === 'string') return rejectRequest(rec, res, 400, 'invalid_request_error', page);
  rec.outcome = 'reply';
  sendJson(res, 200, page);
}

type ModelPage = { data: Anthropic.ModelInfo[]; has_more: boolean; first_id: string | null; last_id: string | null };

/** One page of the list, newest first, or why the query is refused. */
function listPage(query: URLSearchParams): ModelPage | string {
  // The SDK writes arrays as lifecycle[]=a&lifecycle[]=b.
  const asked = [...query.getAll('lifecycle[]'), ...query.getAll('lifecycle')];
  if (asked.length > 3) return 'lifecycle: List should have at most 3 items';
  const unknown = asked.find((l) => !LIFECYCLES.includes(l as Lifecycle));
  if (unknown !== undefined) return `lifecycle: Input should be 'active', 'deprecated' or 'retired', got ${JSON.stringify(unknown)}`;
  const lifecycles = asked.length === 0 ? ['active', 'deprecated'] : asked;
  const limit = Number(query.get('limit') ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return 'limit: Input should be a whole number from 1 to 1000';

  const listed = MODELS.filter((m) => lifecycles.includes(m.lifecycle));
  const after = query.get('after_id');
  const before = query.get('before_id');
  if (after !== null && before !== null) return 'Only one of after_id and before_id may be given';
  const cursor = after ?? before;
  const at = cursor === null ? -1 : listed.findIndex((m) => m.id === cursor);
  if (cursor !== null && at === -1) return `${after !== null ? 'after_id' : 'before_id'}: no listed model has the id ${JSON.stringify(cursor)}`;
  // before_id pages backwards: the `limit` models just before the cursor.
  const start = before !== null ? Math.max(0, at - limit) : at + 1;
  const end = before !== null ? at : Math.min(listed.length, start + limit);
  const data = listed.slice(start, end).map(modelInfo);
  return { data, has_more: before !== null ? start > 0 : end < listed.length, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

export function modelInfo(m: ModelRecord): Anthropic.ModelInfo {
  return {
    type: 'model',
    id: m.id,
    display_name: m.displayName,
    created_at: `${m.releasedOn}T00:00:00Z`,
    lifecycle: m.lifecycle,
    // The research has no announcement dates: a deprecated or retired model shows null here.
    deprecated_at: null,
    retires_at: m.retiresOn === null ? null : `${m.retiresOn}T00:00:00Z`,
    line: m.line,
    max_tokens: m.maxTokens,
    max_input_tokens: m.maxInputTokens,
    // What a retired model could do was not researched.
    capabilities: m.lifecycle === 'retired' ? null : capabilitiesOf(m),
  };
}

function capabilitiesOf(m: ModelRecord): Anthropic.ModelCapabilities {
  const yes = { supported: true };
  const can = (supported: boolean) => ({ supported });
  const effort = (level: (typeof m.efforts)[number]) => can(m.efforts.includes(level));
  const thinks = m.thinkingTypes.includes('adaptive') || m.thinkingTypes.includes('enabled');
  return {
    effort: { supported: m.efforts.length > 0, low: effort('low'), medium: effort('medium'), high: effort('high'), xhigh: effort('xhigh'), max: effort('max') },
    thinking: {
      supported: thinks,
      types: {
        adaptive: can(m.thinkingTypes.includes('adaptive')),
        between_tools: can(m.thinkingTypes.includes('between_tools')),
        // "True on a model that does not support thinking" (ThinkingTypes.disabled).
        disabled: can(m.thinkingTypes.includes('disabled') || !thinks),
        enabled: can(m.thinkingTypes.includes('enabled')),
      },
    },
    // Not researched, and nothing the server enforces: reported as supported.
    batch: yes,
    citations: yes,
    code_execution: yes,
    context_management: { supported: true, clear_thinking_20251015: yes, clear_tool_uses_20250919: yes, compact_20260112: yes },
    image_input: yes,
    pdf_input: yes,
    server_tools: { supported: true, code_execution: yes, web_search: yes },
    structured_outputs: yes,
  };
}
