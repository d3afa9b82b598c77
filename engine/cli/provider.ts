import { ProviderError, UsageError } from '../errors.js';
import { type Resolution, resolveModels } from '../models/capabilities.js';
import { capabilityCacheDir, fileCapabilityCache } from '../models/capability-cache.js';
import type { Profile } from '../models/profiles.js';
import { proxySettingsFrom } from '../providers/proxy.js';
import { PROVIDERS, type Provider } from '../providers/index.js';
import type { Timeouts } from '../providers/timeouts.js';
import { TurnFailed } from '../providers/types.js';
import { MEMORY_KEY_ENVS } from '../memory/index.js';

/** The key a provider reads, when it needs one: the registry says which variable. */
export function providerKey(name: string, env: NodeJS.ProcessEnv): { keyEnv: string | undefined; key: string | undefined } {
  const keyEnv = PROVIDERS[name]?.keyEnv;
  const value = keyEnv === undefined ? undefined : env[keyEnv]?.trim();
  return { keyEnv, key: value === '' ? undefined : value };
}

/**
 * Every secret the process was configured with: the key variable of each provider in the
 * registry and of each memory service (MEM0_API_KEY), whichever are set. Servers' error text is
 * scrubbed of all of them at the edge (engine/secrets.ts): a judge's endpoint, the run's, or a
 * proxy in front of either may echo any key the process sent.
 */
export function configuredSecrets(env: NodeJS.ProcessEnv): string[] {
  const names = [...Object.values(PROVIDERS).map((p) => p.keyEnv), ...MEMORY_KEY_ENVS];
  return names.map((n) => (n === undefined ? '' : (env[n]?.trim() ?? ''))).filter((v) => v !== '');
}

/**
 * A provider from the registry, with what the CLI reads from the environment resolved here and
 * nowhere else: its key (ANTHROPIC_API_KEY, OPENROUTER_API_KEY) and the proxy variables.
 */
export function makeProvider(
  name: string,
  o: { baseUrl?: string; maxRetries: number; retryBaseMs?: number; timeouts?: Partial<Timeouts>; flag?: string },
  deps: { env: NodeJS.ProcessEnv; now: () => number },
): Provider {
  const entry = PROVIDERS[name];
  const flag = o.flag ?? '--provider';
  if (!entry) throw new UsageError(`${flag} ${name}: unknown provider; choose one of ${Object.keys(PROVIDERS).join(', ')}`);
  const { keyEnv, key } = providerKey(name, deps.env);
  if (keyEnv !== undefined && key === undefined) throw new UsageError(`${flag} ${name} needs ${keyEnv} in the environment (or run without a key for the offline rehearsal)`);
  return entry.create({
    apiKey: key,
    baseUrl: o.baseUrl,
    maxRetries: o.maxRetries,
    retryBaseMs: o.retryBaseMs,
    timeouts: o.timeouts,
    proxy: proxySettingsFrom(deps.env),
    secrets: configuredSecrets(deps.env),
    now: deps.now,
  });
}

/**
 * Every model a command will send to, looked up before anything is sent: the Models API where
 * the endpoint has one (cached for a day, per endpoint), else the profiles. An unknown or
 * retired model is refused (UsageError, exit 2); an endpoint that cannot be asked at all is a
 * ProviderError (exit 2), since nothing else would work either.
 */
export async function lookUpModels(
  names: readonly string[],
  provider: Provider | null,
  profiles: readonly Profile[],
  deps: { cwd: string; env: NodeJS.ProcessEnv; now: () => number },
  flag = '--base-url',
): Promise<Resolution> {
  return resolveModels([...new Set(names)], {
    api: provider?.models,
    profiles,
    cache: fileCapabilityCache(capabilityCacheDir(deps.cwd, provider?.baseUrl ?? undefined, deps.env)),
    now: deps.now,
  }).catch((e: unknown) => {
    if (!(e instanceof TurnFailed)) throw e;
    throw new ProviderError(
      `could not look the models up at ${provider?.baseUrl ?? 'the endpoint'} (GET /v1/models): ${e.message}; check ${flag}, the key and the network`,
      {},
      { cause: e },
    );
  });
}
