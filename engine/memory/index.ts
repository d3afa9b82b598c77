import { baselineLayer, ledgerLayer } from './ledger.js';
import { mem0Layer } from './mem0.js';
import type { MemoryLayerFactory } from './memory-layer.js';

export type { MemoryLayer, MemoryLayerFactory, MemorySettings, ObservedTurn } from './memory-layer.js';
export { MemoryFailed } from './memory-layer.js';
import type { MemorySettings } from './memory-layer.js';

/** The environment variables that hold memory services' keys: secrets, scrubbed wherever servers' text goes. */
export const MEMORY_KEY_ENVS = ['MEM0_API_KEY'] as const;

/**
 * MEM0_API_KEY and MEM0_HOST, read once by the CLI, with every other secret the process holds
 * (`secrets`, the CLI's configuredSecrets): a memory service's errors are scrubbed of them.
 */
export function memorySettingsFrom(env: NodeJS.ProcessEnv, secrets: readonly string[] = []): MemorySettings {
  return { mem0: { apiKey: env['MEM0_API_KEY'], host: env['MEM0_HOST'] }, secrets };
}

/** Memory conditions (--condition): adding one is one file and one line here. */
export const MEMORY_LAYERS: Record<string, MemoryLayerFactory> = {
  baseline: baselineLayer,
  ledger: ledgerLayer,
  mem0: mem0Layer,
};
