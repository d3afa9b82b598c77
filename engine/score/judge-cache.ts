import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Verdict } from '../schemas/scores.generated.js';
import { writeFileDurably } from '../transcript/atomic-write.js';

export interface CachedJudgement {
  verdict: Verdict;
  reasoning: string;
  /** The judge's full reply, so a new parser can re-read old judgements. */
  raw: string;
  model: string | null;
  at: string;
}

export interface CacheKeyParts {
  /** The judge model as requested. */
  model: string;
  /** Every request parameter that can change the answer (max_tokens, temperature, system...). */
  params: Record<string, unknown>;
  promptSha256: string;
  /** Samples of one prompt are distinct judgements, so each has its own entry. */
  sample: number;
}

/**
 * A content-addressed cache of judge verdicts on disk: the key is the hash of the judge model,
 * its parameters, the prompt's hash and the sample number; the value is the judgement. The
 * same question to the same judge is never paid for twice, so rescoring saved transcripts is
 * free and gives the same result.
 *
 *     <dir>/<first two hex digits>/<key>.json
 */
export class JudgeCache {
  constructor(readonly dir: string) {}

  static key(p: CacheKeyParts): string {
    const canonical = JSON.stringify([p.model, sortKeys(p.params), p.promptSha256, p.sample]);
    return createHash('sha256').update(canonical).digest('hex');
  }

  private file(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<CachedJudgement | undefined> {
    try {
      // A synchronous read: entries are small and local, and the promise round trip of
      // fs/promises (open, stat, read, close) cost more than the read itself when rescoring
      // thousands of transcripts from the cache (BENCHMARKS.md).
      const v = JSON.parse(readFileSync(this.file(key), 'utf8')) as CachedJudgement;
      return typeof v.verdict === 'string' && typeof v.raw === 'string' ? v : undefined;
    } catch {
      // Missing or unreadable: judge again (a torn entry is not trusted).
      return undefined;
    }
  }

  async put(key: string, value: CachedJudgement): Promise<void> {
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    await writeFileDurably(this.file(key), `${JSON.stringify(value)}\n`);
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  return v;
}
