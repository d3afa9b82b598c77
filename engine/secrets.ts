/**
 * Secrets scrubbed at the edge (issue 17): every string that comes from a server (an API error's
 * message and body, a broken stream's error, a batch item's error, a Mem0 error) passes through a
 * `Scrub` before anything stores, logs or renders it. The providers (sdk-provider.ts) and the
 * memory layers (mem0.ts) apply it where a server's text enters driftbench; nothing after them
 * ever sees the key, so transcripts, scores, logs, stderr and reports cannot carry it.
 *
 * What is scrubbed, with `[redacted]` in its place:
 * - every configured key (the CLI gives all it was configured with: ANTHROPIC_API_KEY,
 *   OPENROUTER_API_KEY, MEM0_API_KEY, whichever are set) wherever it appears in full;
 * - any run of FRAGMENT or more characters that also occurs in a key: a server that echoes the
 *   key cut short ("sk-ant-api03-AbCdEfGh...") or split across lines still leaks most of it.
 *   Shorter runs are left alone: the public prefixes ("sk-ant-api03-" is 13 characters) and
 *   words that happen to share a few characters with a key are not secrets.
 * Keys shorter than MIN_SECRET characters are not scrubbed: no provider issues one, and
 * scrubbing a three-letter value would garble every message that contains those letters.
 */
export type Scrub = (text: string) => string;

export const REDACTED = '[redacted]';
/** Fragments of a key this long or longer are scrubbed too. */
export const FRAGMENT = 16;
/** Shorter values are not treated as secrets. */
export const MIN_SECRET = 8;

/** A scrub for these secrets (blank and short values ignored); the identity when there are none. */
export function secretScrubber(secrets: Iterable<string | undefined>): Scrub {
  const keys = [...new Set([...secrets].map((s) => s?.trim() ?? '').filter((s) => s.length >= MIN_SECRET))];
  if (keys.length === 0) return (text) => text;
  // Every FRAGMENT-long window of every key: a text position starting one is inside a leak.
  const windows = new Set<string>();
  for (const k of keys) for (let i = 0; i + FRAGMENT <= k.length; i++) windows.add(k.slice(i, i + FRAGMENT));
  const short = keys.filter((k) => k.length < FRAGMENT);
  return (text) => {
    if (typeof text !== 'string' || text === '') return text;
    let out = text;
    for (const k of short) out = out.split(k).join(REDACTED);
    if (windows.size === 0 || out.length < FRAGMENT) return out;
    // Mark every character covered by a window, then replace each covered run once.
    const covered: Array<[number, number]> = [];
    for (let i = 0; i + FRAGMENT <= out.length; i++) {
      if (!windows.has(out.slice(i, i + FRAGMENT))) continue;
      const last = covered.at(-1);
      if (last && i <= last[1]) last[1] = i + FRAGMENT;
      else covered.push([i, i + FRAGMENT]);
    }
    if (covered.length === 0) return out;
    let result = '';
    let at = 0;
    for (const [from, to] of covered) {
      result += out.slice(at, from) + REDACTED;
      at = to;
    }
    return result + out.slice(at);
  };
}

/**
 * An error as it may travel on (as a `cause`, into a stack trace), with the secrets scrubbed
 * from its message and stack: its name kept, its properties (a response's headers and body) and
 * its own cause left behind, since they are where a server's echo sits.
 */
export function scrubbedError(e: unknown, scrub: Scrub): Error {
  const source = e instanceof Error ? e : new Error(String(e));
  const copy = new Error(scrub(source.message));
  copy.name = source.name;
  copy.stack = source.stack === undefined ? undefined : scrub(source.stack);
  return copy;
}
