import { createHash } from 'node:crypto';
import { seededRandom } from '../random.js';
import type { Explained } from './explain-schema-errors.js';
import { closest } from './explain-schema-errors.js';
import type { Scenario } from './scenario.js';

/**
 * Scenario templates (issue 16): a scenario with `variables` is a family of instances, one per
 * combination of values. An instance is a plain scenario (the template with every `{{name}}`
 * replaced, `variables` dropped, the id suffixed and `instance` recording where it came from),
 * so everything after validation treats it like a hand-written one. Pure; no I/O.
 */

export type Scalar = string | number | boolean;
export type Value = Scalar | Record<string, Scalar>;
export type Values = Record<string, Value>;

/** One variable with its values spelled out, ranges expanded. */
export interface Axis {
  name: string;
  values: Value[];
}

/** A run takes every combination up to this many; past it, a seeded sample of this many. */
export const DEFAULT_INSTANCE_CAP = 24;
/** `validate` checks every combination up to this many; past it, a seeded sample of this many. */
export const VALIDATE_CAP = 500;
/** At most this many values per variable, ranges included: a typo such as step 0.001 is caught. */
export const MAX_VALUES = 1000;
/** A template's id plus the instance suffix (`--` and 6 hex digits) must fit the 64-character id pattern. */
export const MAX_TEMPLATE_ID = 56;

/** `{{ name }}`, `{{name.field}}`, `{{name | regex}}`: the only syntax. */
const REFERENCE = /\{\{\s*([a-z_][a-z0-9_]*)(?:\.([a-z_][a-z0-9_]*))?\s*(?:\|\s*([a-z]+)\s*)?\}\}/g;
const FILTERS = ['regex'] as const;
/** A string that is one reference and nothing else: it takes the value with its type. */
const WHOLE_REFERENCE = new RegExp(`^\\s*${REFERENCE.source}\\s*$`);

export function isTemplate(value: unknown): value is Scenario & { variables: NonNullable<Scenario['variables']> } {
  return typeof value === 'object' && value !== null && 'variables' in value && (value as { variables?: unknown }).variables !== undefined;
}

/** Each variable's values in declaration order; ranges become lists (rounded to the step's decimals). */
export function axesOf(variables: NonNullable<Scenario['variables']>): Axis[] {
  return Object.entries(variables).map(([name, v]) => {
    if (Array.isArray(v)) return { name, values: v as Value[] };
    const step = v.step ?? 1;
    const decimals = Math.min(10, (String(step).split('.')[1] ?? '').length);
    const count = Math.floor((v.to - v.from) / step + 1e-9) + 1;
    const values: number[] = [];
    for (let i = 0; i < Math.min(count, MAX_VALUES + 1); i++) values.push(Number((v.from + i * step).toFixed(decimals)));
    return { name, values };
  });
}

export function combinationCount(axes: readonly Axis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

/** The index-th combination, the last variable varying fastest (mixed radix). */
export function combinationAt(axes: readonly Axis[], index: number): Values {
  const out: Values = {};
  let rest = index;
  for (let i = axes.length - 1; i >= 0; i--) {
    const a = axes[i]!;
    out[a.name] = a.values[rest % a.values.length]!;
    rest = Math.floor(rest / a.values.length);
  }
  return Object.fromEntries(axes.map((a) => [a.name, out[a.name]!]));
}

/**
 * Which combinations to take, as ascending indices. `count` undefined: every one up to `cap`, a
 * sample of `cap` past it. A sample is drawn by seed with Floyd's algorithm, so the same seed
 * gives the same instances whatever else changed, and no combination is drawn twice.
 */
export function chooseCombinations(total: number, o: { count?: number | undefined; seed?: number | undefined; cap?: number | undefined }): { indices: number[]; sampled: boolean } {
  const want = o.count ?? Math.min(total, o.cap ?? DEFAULT_INSTANCE_CAP);
  if (want >= total) return { indices: [...Array(total).keys()], sampled: false };
  const random = seededRandom(o.seed ?? 0);
  const chosen = new Set<number>();
  for (let j = total - want; j < total; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return { indices: [...chosen].sort((a, b) => a - b), sampled: true };
}

/** A stable, short id suffix from the values: the same values give the same id whatever N or seed. */
export function instanceId(templateId: string, values: Values): string {
  return `${templateId}--${createHash('sha256').update(canonical(values)).digest('hex').slice(0, 6)}`;
}

/** The values as one readable line for messages: `lock_budget_ms=200, table={name: orders, rows: 40M}`. */
export function describeValues(values: Values): string {
  return Object.entries(values)
    .map(
      ([k, v]) =>
        `${k}=${
          typeof v === 'object'
            ? `{${Object.entries(v)
                .map(([f, x]) => `${f}: ${String(x)}`)
                .join(', ')}}`
            : String(v)
        }`,
    )
    .join(', ');
}

/** Every `{{...}}` in the template's strings, with the JSON pointer of the string holding it. */
export function referencesOf(value: unknown): Array<{ pointer: string; text: string; name: string; field?: string; filter?: string }> {
  return textsOf(value).flatMap(({ pointer, text }) =>
    [...text.matchAll(REFERENCE)].map((m) => ({ pointer, text: m[0], name: m[1]!, ...(m[2] ? { field: m[2] } : {}), ...(m[3] ? { filter: m[3] } : {}) })),
  );
}

/** A `{{` that is not a well-formed reference: most likely a typo, such as `{{ lock-budget }}`. */
export function malformedOf(value: unknown): Array<{ pointer: string; text: string }> {
  return textsOf(value).flatMap(({ pointer, text }) => {
    const m = /\{\{[^}]*\}?\}?/.exec(text.replace(REFERENCE, ''));
    return m ? [{ pointer, text: m[0] }] : [];
  });
}

/** Every string of a template with its JSON pointer, outside `variables` and `instance`. */
function textsOf(value: unknown, pointer = ''): Array<{ pointer: string; text: string }> {
  if (typeof value === 'string') return [{ pointer, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => textsOf(v, `${pointer}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => (pointer === '' && (k === 'variables' || k === 'instance') ? [] : textsOf(v, `${pointer}/${escapePointer(k)}`)));
  }
  return [];
}

/**
 * Checks a template before any instance is made: declared variables, their values, and every
 * reference. Problems carry the pointer of the string holding the reference and the reference
 * itself as `needle`, so the validator can place them at the exact column.
 */
export function templateChecks(t: Scenario & { variables: NonNullable<Scenario['variables']> }): Array<Explained & { needle?: string }> {
  const out: Array<Explained & { needle?: string }> = [];
  if (t.instance !== undefined) out.push({ pointer: '/instance', message: 'a template must not carry `instance`: driftbench writes it on each instance it makes; remove it' });
  if (t.id.length > MAX_TEMPLATE_ID)
    out.push({ pointer: '/id', message: `a template's id can have at most ${MAX_TEMPLATE_ID} characters (its instances add "--" and 6 characters); shorten it` });
  const fieldsOf = new Map<string, Set<string> | undefined>();
  for (const [name, v] of Object.entries(t.variables)) {
    const at = `/variables/${escapePointer(name)}`;
    if (Array.isArray(v)) {
      const records = v.filter((x) => typeof x === 'object' && x !== null);
      if (records.length > 0 && records.length < v.length) {
        out.push({ pointer: at, message: `variable "${name}" mixes records and plain values; make every item a record or every item a value` });
        continue;
      }
      if (records.length > 0) {
        const first = Object.keys(records[0]!).sort();
        v.forEach((r, i) => {
          const keys = Object.keys(r as object).sort();
          if (keys.join() !== first.join())
            out.push({ pointer: `${at}/${i}`, message: `every record of "${name}" needs the same fields (${first.join(', ')}); this one has ${keys.join(', ')}` });
        });
        fieldsOf.set(name, new Set(first));
      } else fieldsOf.set(name, undefined);
      v.forEach((x, i) => {
        const texts = typeof x === 'object' && x !== null ? Object.values(x) : [x];
        if (texts.some((s) => typeof s === 'string' && s.includes('{{')))
          out.push({
            pointer: `${at}/${i}`,
            message: `a value of "${name}" contains {{, but values are not filled in themselves: a variable cannot refer to another; spell the value out`,
          });
      });
      const seen = new Map<string, number>();
      v.forEach((x, i) => {
        const key = canonical(x);
        const first = seen.get(key);
        if (first !== undefined)
          out.push({
            pointer: `${at}/${i}`,
            message: `variable "${name}" lists the same value twice (items ${first + 1} and ${i + 1}), which would make duplicate instances; remove one`,
          });
        else seen.set(key, i);
      });
    } else {
      fieldsOf.set(name, undefined);
      if (v.to < v.from) out.push({ pointer: `${at}/to`, message: `range "${name}" ends (${v.to}) before it starts (${v.from}); swap from and to` });
      else if ((v.to - v.from) / (v.step ?? 1) + 1 > MAX_VALUES) out.push({ pointer: at, message: `range "${name}" has more than ${MAX_VALUES} values; use a larger step` });
    }
  }
  const declared = [...fieldsOf.keys()];
  const used = new Set<string>();
  for (const r of referencesOf(t)) {
    used.add(r.name);
    if (!fieldsOf.has(r.name)) {
      const guess = closest(r.name, declared);
      out.push({
        pointer: r.pointer,
        needle: r.text,
        message: `${r.text} uses the variable "${r.name}", which is not declared; ${guess ? `did you mean "${guess}"?` : `declare it under variables (declared: ${declared.join(', ')})`}`,
      });
      continue;
    }
    const fields = fieldsOf.get(r.name);
    if (r.field !== undefined && fields === undefined)
      out.push({ pointer: r.pointer, needle: r.text, message: `${r.text}: "${r.name}" is a plain value, not a record; write {{${r.name}}}` });
    else if (r.field === undefined && fields !== undefined)
      out.push({
        pointer: r.pointer,
        needle: r.text,
        message: `${r.text}: "${r.name}" is a record; name a field, one of ${[...fields].map((f) => `{{${r.name}.${f}}}`).join(', ')}`,
      });
    else if (r.field !== undefined && fields !== undefined && !fields.has(r.field)) {
      const guess = closest(r.field, [...fields]);
      out.push({
        pointer: r.pointer,
        needle: r.text,
        message: `${r.text}: records of "${r.name}" have no field "${r.field}"; ${guess ? `did you mean "${guess}"?` : `fields: ${[...fields].join(', ')}`}`,
      });
    }
    if (r.filter !== undefined && !(FILTERS as readonly string[]).includes(r.filter))
      out.push({ pointer: r.pointer, needle: r.text, message: `${r.text}: unknown filter "${r.filter}"; the one filter is "regex" (escapes the value for use in a cue)` });
  }
  for (const m of malformedOf(t)) {
    out.push({
      pointer: m.pointer,
      needle: m.text,
      message: `"${m.text}" is not a variable reference; write {{name}} or {{name.field}} with lower-case letters, digits and underscores`,
    });
  }
  for (const name of declared) {
    if (!used.has(name))
      out.push({
        pointer: `/variables/${escapePointer(name)}`,
        message: `variable "${name}" is never used, so its values would make identical instances; use it as {{${name}}} or remove it`,
      });
  }
  return out;
}

/** The instance for one combination: every reference replaced, `variables` dropped, id suffixed, provenance recorded. */
export function renderInstance(t: Scenario & { variables: NonNullable<Scenario['variables']> }, values: Values, templateHash: string): Scenario {
  const { variables: _variables, ...rest } = t;
  const filled = fill(rest, values) as Scenario;
  return { ...filled, id: instanceId(t.id, values), family: t.family ?? t.id, instance: { template: t.id, template_hash: templateHash, values } };
}

function fill(value: unknown, values: Values): unknown {
  if (typeof value === 'string') {
    const lookup = (name: string, field: string | undefined): Scalar | undefined => {
      const v = values[name];
      const x = v !== undefined && field !== undefined && typeof v === 'object' ? v[field] : v;
      return x === undefined || typeof x === 'object' ? undefined : x;
    };
    // A field that is one reference and nothing else takes the value as it is, so a number
    // stays a number (`max: "{{max_words}}"`, `established_in: "{{step}}"`).
    const whole = WHOLE_REFERENCE.exec(value);
    if (whole && whole[3] === undefined) {
      const x = lookup(whole[1]!, whole[2]);
      if (x !== undefined) return typeof x === 'string' ? trimValue(x) : x;
    }
    return value.replace(REFERENCE, (all, name: string, field: string | undefined, filter: string | undefined) => {
      const x = lookup(name, field);
      if (x === undefined) return all;
      const text = trimValue(String(x));
      return filter === 'regex' ? text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : text;
    });
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, values));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, values)]));
  return value;
}

/** A value written as a YAML block (`>` or `|`) ends in a newline that would break the sentence it goes into. */
function trimValue(s: string): string {
  return s.replace(/\s+$/, '');
}

/**
 * The template with every field that is a single reference replaced by the first combination's
 * value, typed: what the schema checks, so `max: "{{max_words}}"` is a number there as it will
 * be in every instance. Other strings stay as written.
 */
export function withTypedReferences(t: unknown, values: Values): unknown {
  const walk = (v: unknown, top: boolean): unknown => {
    if (typeof v === 'string') {
      const m = WHOLE_REFERENCE.exec(v);
      return m && m[3] === undefined ? fill(v, values) : v;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, false));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, top && k === 'variables' ? x : walk(x, false)]));
    return v;
  };
  return walk(t, true);
}

/** JSON with sorted keys: the same values always hash and compare the same. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
