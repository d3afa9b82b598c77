import type Anthropic from '@anthropic-ai/sdk';

type ModelInfo = Anthropic.Models.ModelInfo;
const yes = { supported: true };
const no = { supported: false };

/** A ModelInfo as GET /v1/models/{id} returns it (the SDK's own type), for fake ModelsApi objects. */
export function modelInfo(
  id: string,
  o: {
    line?: Anthropic.Models.ModelLine;
    efforts?: string[];
    thinking?: string[];
    lifecycle?: ModelInfo['lifecycle'];
    retires_at?: string | null;
    max_tokens?: number;
    max_input_tokens?: number;
  } = {},
): ModelInfo {
  const efforts = o.efforts ?? ['low', 'medium', 'high', 'xhigh', 'max'];
  const thinking = o.thinking ?? ['adaptive'];
  const level = (e: string) => (efforts.includes(e) ? yes : no);
  const type = (t: string) => (thinking.includes(t) ? yes : no);
  const lifecycle = o.lifecycle ?? 'active';
  return {
    id,
    type: 'model',
    display_name: id,
    created_at: '2026-09-22T00:00:00Z',
    line: o.line ?? 'opus',
    lifecycle,
    deprecated_at: lifecycle !== 'active' ? '2026-05-01T00:00:00Z' : null,
    retires_at: o.retires_at ?? null,
    max_input_tokens: o.max_input_tokens ?? 1_000_000,
    max_tokens: o.max_tokens ?? 128_000,
    capabilities: {
      batch: yes,
      citations: yes,
      code_execution: yes,
      context_management: { supported: true, clear_thinking_20251015: yes, clear_tool_uses_20250919: yes, compact_20260112: yes },
      effort: { supported: efforts.length > 0, low: level('low'), medium: level('medium'), high: level('high'), xhigh: level('xhigh'), max: level('max') },
      image_input: yes,
      pdf_input: yes,
      server_tools: { supported: true, code_execution: yes, web_search: yes },
      structured_outputs: yes,
      thinking: { supported: true, types: { adaptive: type('adaptive'), enabled: type('enabled'), disabled: type('disabled'), between_tools: type('between_tools') } },
    },
  };
}
