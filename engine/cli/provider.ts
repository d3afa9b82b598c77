import { UsageError } from '../errors.js';
import { proxySettingsFrom } from '../providers/proxy.js';
import { PROVIDERS, type Provider } from '../providers/index.js';

/** The key a provider reads, when it needs one: the registry says which variable. */
export function providerKey(name: string, env: NodeJS.ProcessEnv): { keyEnv: string | undefined; key: string | undefined } {
  const keyEnv = PROVIDERS[name]?.keyEnv;
  const value = keyEnv === undefined ? undefined : env[keyEnv]?.trim();
  return { keyEnv, key: value === '' ? undefined : value };
}

/**
 * A provider from the registry, with what the CLI reads from the environment resolved here and
 * nowhere else: its key (ANTHROPIC_API_KEY, OPENROUTER_API_KEY) and the proxy variables.
 */
export function makeProvider(
  name: string,
  o: { baseUrl?: string; maxRetries: number; retryBaseMs?: number; flag?: string },
  deps: { env: NodeJS.ProcessEnv; now: () => number },
): Provider {
  const entry = PROVIDERS[name];
  const flag = o.flag ?? '--provider';
  if (!entry) throw new UsageError(`${flag} ${name}: unknown provider; choose one of ${Object.keys(PROVIDERS).join(', ')}`);
  const { keyEnv, key } = providerKey(name, deps.env);
  if (keyEnv !== undefined && key === undefined) throw new UsageError(`${flag} ${name} needs ${keyEnv} in the environment (or run without a key for the offline rehearsal)`);
  return entry.create({ apiKey: key, baseUrl: o.baseUrl, maxRetries: o.maxRetries, retryBaseMs: o.retryBaseMs, proxy: proxySettingsFrom(deps.env), now: deps.now });
}
