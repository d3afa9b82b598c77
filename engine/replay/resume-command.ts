import { PROVIDERS } from '../providers/index.js';
import type { RunManifest } from '../transcript/format.js';

/**
 * Whether a resume must be given this base URL again (issue 17): a provider that sends a key, and
 * a host that is not its default. A resume sends the key only where its command line says.
 */
export function needsBaseUrl(provider: string, url: string): boolean {
  const entry = PROVIDERS[provider];
  if (entry?.keyEnv === undefined) return false;
  return entry.defaultBaseUrl === undefined || !sameOrigin(url, entry.defaultBaseUrl);
}

/**
 * The command that resumes a run, `dir` written as the user should type it: with its --base-url
 * when that is not the provider's default host, since a resume needs it said again.
 */
export function resumeCommand(m: RunManifest, dir: string): string {
  const url = m.plan.base_url;
  const again = url !== null && url !== undefined && needsBaseUrl(m.plan.provider, url);
  return `driftbench run --resume ${shellWord(dir)}${again ? ` --base-url ${shellWord(url)}` : ''}`;
}

/** A path or URL as one shell word: quoted when it holds anything a shell would split or expand. */
export function shellWord(x: string): string {
  return /^[\w./:@%+=,-]+$/.test(x) ? x : `'${x.replace(/'/g, "'\\''")}'`;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
