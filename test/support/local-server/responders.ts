import type { Responder, ScriptedBlock } from './types.js';

/**
 * A deterministic stand-in model for demos and benchmarks: it names the turn and quotes the
 * start of the last user message, and thinks first when the request enables thinking.
 */
export function echoResponder(opts: { thinking?: boolean } = {}): Responder {
  return (req) => {
    const messages: unknown[] = Array.isArray(req.body?.messages) ? req.body.messages : [];
    const userTurns = messages.filter((m) => (m as { role?: unknown } | null)?.role === 'user');
    const turn = userTurns.length;
    const lastUser = userTurns.at(-1) as { content?: unknown } | undefined;
    const quote = Array.from(plainText(lastUser?.content)).slice(0, 60).join('');
    const thinking = req.body?.thinking;
    const thinks = opts.thinking !== false && thinking != null && thinking.type !== 'disabled';
    const content: ScriptedBlock[] = thinks ? [{ type: 'thinking', thinking: `Considering turn ${turn}.` }] : [];
    content.push({ type: 'text', text: `Reply to turn ${turn}: ${quote}` });
    return { content };
  };
}

function plainText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is { type: 'text'; text: string } => b?.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text)
    .join('\n');
}
