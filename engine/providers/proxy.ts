import { createRequire } from 'node:module';
import type { EnvHttpProxyAgent } from 'undici';
import type { ProxySettings } from './types.js';

/**
 * HTTP(S)_PROXY and NO_PROXY, read from the environment the CLI was given (upper or lower case,
 * lower case first, as curl does).
 */
export function proxySettingsFrom(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const pick = (name: string) => nonEmpty(env[name.toLowerCase()]) ?? nonEmpty(env[name]);
  const s: ProxySettings = { httpProxy: pick('HTTP_PROXY'), httpsProxy: pick('HTTPS_PROXY'), noProxy: pick('NO_PROXY') };
  return s.httpProxy === undefined && s.httpsProxy === undefined ? undefined : s;
}

/**
 * The SDK's fetch options for a proxy: Node's fetch does not read the proxy variables itself, so
 * the SDK's documented way is a dispatcher in `fetchOptions` (its README, "Configuring proxies").
 * undici's EnvHttpProxyAgent applies them as curl does: HTTP_PROXY for http URLs, HTTPS_PROXY
 * for https ones, and NO_PROXY hosts go direct. Proxied requests travel through a CONNECT tunnel.
 * https://github.com/anthropics/anthropic-sdk-typescript#configuring-proxies
 * https://github.com/nodejs/undici/blob/main/docs/docs/api/EnvHttpProxyAgent.md
 */
export function proxyFetchOptions(s: ProxySettings | undefined): { dispatcher: EnvHttpProxyAgent } | undefined {
  if (!s) return undefined;
  // Every value is passed, '' for unset: the agent would otherwise fall back to process.env, and
  // the environment driftbench was given is the only truth. With HTTPS_PROXY unset, the agent
  // uses HTTP_PROXY for https URLs too, as curl does.
  return { dispatcher: new (loadUndici().EnvHttpProxyAgent)({ httpProxy: s.httpProxy ?? '', httpsProxy: s.httpsProxy ?? '', noProxy: s.noProxy ?? '' }) };
}

/**
 * undici is loaded only when a proxy is set: loading it installs its own Agent as the global
 * dispatcher of Node's fetch (undici's lib/global.js), so every request of a run without a
 * proxy would leave Node's bundled HTTP client for the package's (BENCHMARKS.md, replay).
 */
function loadUndici(): typeof import('undici') {
  return createRequire(import.meta.url)('undici') as typeof import('undici');
}

/** A proxy URL as logs may show it: without user name or password. */
export function describeProxy(s: ProxySettings): string {
  const show = (u: string | undefined) => {
    if (u === undefined) return undefined;
    try {
      const url = new URL(u);
      return `${url.protocol}//${url.host}`;
    } catch {
      return '(unparseable URL)';
    }
  };
  return [s.httpsProxy && `HTTPS_PROXY ${show(s.httpsProxy)}`, s.httpProxy && `HTTP_PROXY ${show(s.httpProxy)}`, s.noProxy && `NO_PROXY ${s.noProxy}`].filter(Boolean).join(', ');
}

const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);
