import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** One non-blank line of a JSONL file: its parsed value, or why it is not JSON. Lines count from 1. */
export type JsonlRow = { line: number; value: unknown } | { line: number; error: string };

/**
 * Reads a JSONL file one line at a time. Published datasets run to hundreds of megabytes, so
 * nothing here holds more than the line in hand: readline pauses the file stream while the
 * consumer is busy (Node 20's readline async iterator applies backpressure), and the caller
 * writes each row's result before asking for the next.
 *
 * Blank lines are skipped (a trailing newline is not a row) but still counted, so line numbers
 * match what an editor shows. A missing or unreadable file rejects on the first `next()`.
 */
export async function* readJsonl(file: string): AsyncGenerator<JsonlRow, void, undefined> {
  // Opening first makes a missing file fail here, with its own error, rather than inside readline.
  const handle = await open(file, 'r');
  const input = handle.createReadStream({ encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of lines) {
      line++;
      // A byte-order mark is legal at the start of a UTF-8 file and is not part of the JSON.
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      let row: JsonlRow;
      try {
        row = { line, value: JSON.parse(text) as unknown };
      } catch (e) {
        row = { line, error: `not valid JSON: ${(e as Error).message}` };
      }
      yield row;
    }
  } finally {
    // Also runs when the consumer stops early; the stream closes its file handle (autoClose).
    lines.close();
    input.destroy();
  }
}

// Helpers for checking rows of published datasets, shared by the importers.

/** A checked row: its typed value, or what is wrong with it in the row's own terms. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How a value reads in a message: `an array`, `null`, `an empty string`, `number 3`. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.trim() === '' ? 'an empty string' : 'a string';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Lower-case words joined by '-': a tag or id segment (`INFERENCE_MEMORY` -> `inference-memory`). */
export function kebab(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
