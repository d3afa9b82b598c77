import type { ErrorObject } from '../schemas/compile.js';

/** One schema error, rewritten for a person editing YAML. */
export interface Explained {
  pointer: string;
  /** Point at this mapping key instead of the value (unknown fields, bad keys). */
  key?: string;
  message: string;
}

const TYPE_WORDS: Record<string, string> = {
  array: 'a list',
  object: 'a mapping (key: value lines)',
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'empty',
};

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  return String(v);
}

function fieldName(pointer: string): string {
  const last = pointer.split('/').pop() ?? '';
  return last === '' ? 'the document' : /^\d+$/.test(last) ? `item ${Number(last) + 1}` : `"${last}"`;
}

/** The closest allowed name, for "did you mean" hints on misspelt fields. */
export function closest(word: string, choices: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of choices) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return bestDist <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function allowedProperties(parentSchema: unknown): string[] {
  const s = parentSchema as { properties?: Record<string, unknown>; $ref?: string } | undefined;
  return Object.keys(s?.properties ?? {}).filter((k) => k !== '$schema');
}

/**
 * Rewrites ajv's errors into one message per real problem. Errors of a failed anyOf/oneOf
 * branch are noise when a more precise error names the same place, so they are dropped.
 */
export function explainSchemaErrors(errors: readonly ErrorObject[], probeKinds: readonly string[]): Explained[] {
  const out: Explained[] = [];
  const seen = new Set<string>();
  const push = (e: Explained) => {
    const k = `${e.pointer}|${e.key ?? ''}|${e.message}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(e);
  };
  const anyOfAt = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.schemaPath));
  // When a probe's branch fails, the properties it would have evaluated show up again as
  // "unevaluated"; the branch's own error is the cause, so the echo is dropped.
  const causeAt = new Set(errors.filter((e) => e.keyword !== 'unevaluatedProperties').map((e) => e.instancePath));
  for (const e of errors) {
    const ptr = e.instancePath;
    if (e.keyword === 'unevaluatedProperties' && causeAt.has(ptr)) continue;
    // `required` errors inside an anyOf are reported once by the anyOf itself.
    if (e.keyword === 'required' && [...anyOfAt].some((p) => e.schemaPath.startsWith(`${p}/`))) continue;
    switch (e.keyword) {
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        push({ pointer: ptr, message: `missing required field "${missing}"; add \`${missing}:\` here` });
        break;
      }
      case 'additionalProperties':
      case 'unevaluatedProperties': {
        const p = e.params as { additionalProperty?: string; unevaluatedProperty?: string };
        const extra = p.additionalProperty ?? p.unevaluatedProperty ?? '?';
        const allowed = allowedProperties(e.parentSchema);
        const guess = closest(extra, allowed);
        const hint = guess ? `did you mean "${guess}"?` : allowed.length ? `allowed here: ${allowed.join(', ')}` : 'remove it';
        push({ pointer: ptr, key: extra, message: `unknown field "${extra}"; ${hint}` });
        break;
      }
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
        const guess = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
        push({ pointer: ptr, message: `${fieldName(ptr)} must be one of ${allowed.join(', ')} (got ${describeValue(e.data)})${guess ? `; did you mean "${guess}"?` : ''}` });
        break;
      }
      case 'const':
        push({ pointer: ptr, message: `${fieldName(ptr)} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)} (got ${describeValue(e.data)})` });
        break;
      case 'discriminator': {
        const p = e.params as { error: string; tag: string; tagValue?: unknown };
        const guess = typeof p.tagValue === 'string' ? closest(p.tagValue, probeKinds) : undefined;
        push({
          pointer: ptr,
          key: p.tag,
          message: `probe "${p.tag}" must be one of ${probeKinds.join(', ')} (got ${describeValue(p.tagValue)})${guess ? `; did you mean "${guess}"?` : ''}`,
        });
        break;
      }
      case 'type': {
        const want = String((e.params as { type: string }).type)
          .split(',')
          .map((t) => TYPE_WORDS[t] ?? t)
          .join(' or ');
        push({ pointer: ptr, message: `${fieldName(ptr)} must be ${want} (got ${describeValue(e.data)})` });
        break;
      }
      case 'pattern': {
        const desc = (e.parentSchema as { description?: string } | undefined)?.description;
        const name = e.propertyName !== undefined ? `key "${e.propertyName}"` : fieldName(ptr);
        const got = e.propertyName !== undefined ? '' : ` (got ${describeValue(e.data)})`;
        const rule = desc ?? `it must match ${(e.params as { pattern: string }).pattern}`;
        push({ pointer: ptr, key: e.propertyName, message: `${name} has the wrong form${got}: ${rule}` });
        break;
      }
      case 'propertyNames':
        break; // its inner error (usually `pattern`) carries the key and the message
      case 'minItems':
        push({ pointer: ptr, message: `${fieldName(ptr)} needs at least ${(e.params as { limit: number }).limit} item(s)` });
        break;
      case 'maxItems': {
        const limit = (e.params as { limit: number }).limit;
        const n = Array.isArray(e.data) ? e.data.length : '?';
        push({
          pointer: ptr,
          message:
            ptr === '/steps'
              ? `a scenario has at most ${limit} steps (this one has ${n}): every request carries the whole history, so cost grows with the square of the length; split it into several scenarios`
              : `${fieldName(ptr)} has ${n} items; at most ${limit}`,
        });
        break;
      }
      case 'minProperties':
        push({ pointer: ptr, message: `${fieldName(ptr)} needs at least ${(e.params as { limit: number }).limit} entry` });
        break;
      case 'minLength':
        push({ pointer: ptr, message: `${fieldName(ptr)} must not be empty` });
        break;
      case 'maxLength':
        push({ pointer: ptr, message: `${fieldName(ptr)} is too long (at most ${(e.params as { limit: number }).limit} characters)` });
        break;
      case 'minimum':
      case 'maximum':
        push({
          pointer: ptr,
          message: `${fieldName(ptr)} must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${(e.params as { limit: number }).limit} (got ${describeValue(e.data)})`,
        });
        break;
      case 'uniqueItems': {
        const p = e.params as { i: number; j: number };
        push({ pointer: `${ptr}/${p.i}`, message: `${fieldName(ptr)} lists the same value twice (items ${p.j + 1} and ${p.i + 1}); remove the duplicate` });
        break;
      }
      case 'anyOf': {
        const branches = ((e.schema as Array<{ required?: string[] }>) ?? []).flatMap((b) => b.required ?? []);
        push({ pointer: ptr, message: branches.length ? `needs at least one of ${branches.map((b) => `"${b}"`).join(' or ')}` : 'does not match any allowed form' });
        break;
      }
      case 'oneOf':
        break; // with a discriminator, the chosen branch's own errors say what is wrong
      case 'if':
        break; // the failed then/else branch's own errors (a missing field) say what is wrong
      default:
        push({ pointer: ptr, message: `${fieldName(ptr)} ${e.message ?? 'is invalid'}` });
    }
  }
  return out;
}
