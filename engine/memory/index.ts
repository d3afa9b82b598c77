import { baselineLayer, ledgerLayer } from './ledger.js';
import { mem0Layer } from './mem0.js';
import type { MemoryLayerFactory } from './memory-layer.js';

export type { MemoryLayer, MemoryLayerFactory, MemorySettings, ObservedTurn } from './memory-layer.js';
import type { MemorySettings } from './memory-layer.js';

/** MEM0_API_KEY and MEM0_HOST, read once by the CLI. */
export function memorySettingsFrom(env: NodeJS.ProcessEnv): MemorySettings {
  return { mem0: { apiKey: env['MEM0_API_KEY'], host: env['MEM0_HOST'] } };
}

/** Memory conditions (--condition): adding one is one file and one line here. */
export const MEMORY_LAYERS: Record<string, MemoryLayerFactory> = {
  baseline: baselineLayer,
  ledger: ledgerLayer,
  mem0: mem0Layer,
};
