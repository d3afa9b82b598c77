import { setMaxListeners } from 'node:events';
import type { MemorySettings } from '../memory/index.js';
import type { Profile } from '../models/profiles.js';
import type { Provider } from '../providers/types.js';
import type { RunStore } from '../transcript/run-store.js';
import type { ReplayEvents } from './events.js';

/** Asks a run to stop starting turns; the turns in flight finish and are written. */
export interface StopControl {
  requested: boolean;
  reason: string | null;
  /** Aborts requests in flight too (a second Ctrl-C). */
  abort: AbortController;
}

export function stopControl(): StopControl {
  const abort = new AbortController();
  // Every request in flight listens on this one signal; dozens at once are expected, not a leak.
  setMaxListeners(0, abort.signal);
  return { requested: false, reason: null, abort };
}

export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const systemClock: Clock = { now: Date.now, sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)) };

/**
 * Everything a replay touches outside itself, built once by the CLI (or a test) and handed down
 * unchanged: where transcripts go, who answers, the profiles, the event bus, the clock, the stop
 * switch, and the settings of memory services. Nothing below it reads the environment.
 */
export interface ReplayContext {
  store: RunStore;
  provider: Provider;
  profiles: readonly Profile[];
  events: ReplayEvents;
  clock: Clock;
  stop: StopControl;
  engineVersion: string;
  memory: MemorySettings;
  /** How often a --batch run polls a batch (30 s; tests use a few ms). */
  batchPollMs: number;
}
