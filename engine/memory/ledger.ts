import type { MemoryLayerFactory } from './memory-layer.js';

/**
 * The ledger: the memory layer the original benchmark's author tried next. It keeps the
 * constraints and findings the scenario declares, from the step that establishes each, and
 * re-injects them before every later turn. Its memories come from the
 * scenario's declarations, not from the model's replies, so it measures what a perfect note-taker
 * would add; the transcript records that source and the exact text injected at each turn.
 */
export const ledgerLayer: MemoryLayerFactory = ({ scenario }) => ({
  source: 'scenario declarations (constraints and findings as established)',
  async observe() {},
  async recall({ step }) {
    const known = [
      ...scenario.constraints.filter((c) => c.established_in < step).map((c) => `- Constraint (step ${c.established_in}): ${c.statement}`),
      ...(scenario.findings ?? []).filter((f) => f.established_in < step).map((f) => `- Finding (step ${f.established_in}): ${f.statement}`),
    ];
    if (known.length === 0) return null;
    return `Ledger of what this conversation has established so far. Keep to every constraint:\n${known.join('\n')}`;
  },
});

/** Injects nothing: the control condition. */
export const baselineLayer: MemoryLayerFactory = () => ({
  source: 'none',
  async observe() {},
  async recall() {
    return null;
  },
});
