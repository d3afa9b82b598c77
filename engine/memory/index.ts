import { baselineLayer, ledgerLayer } from './ledger.js';
import { mem0Layer } from './mem0.js';
import type { MemoryLayerFactory } from './memory-layer.js';

export type { MemoryLayer, MemoryLayerFactory, ObservedTurn } from './memory-layer.js';

/** Memory conditions (--condition): adding one is one file and one line here. */
export const MEMORY_LAYERS: Record<string, MemoryLayerFactory> = {
  baseline: baselineLayer,
  ledger: ledgerLayer,
  mem0: mem0Layer,
};
