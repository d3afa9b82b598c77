/**
 * Escaping for the HTML report. Everything in a report, transcript or diff is untrusted: a
 * model's reply, a scenario id, even a model name can carry markup. The `html` tag below
 * escapes every interpolated value unless it is already `Html` built by this module, so
 * markup from data cannot reach the page by forgetting to call `escapeHtml`.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  // Backticks end unquoted attribute values in some old parsers; cheap to close off.
  '`': '&#96;',
};

/** Escapes text for use in element content and in quoted attribute values alike. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c);
}

/** Markup this module has produced: already escaped, safe to place as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may go into an `html` template: data is escaped, `Html` passes through, lists join. */
export type HtmlValue = Html | string | number | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value as string | number);
}

/**
 * Tagged template for markup: the literal parts are ours, every `${value}` is escaped.
 * Attribute values must be written inside double quotes: `<td title="${text}">`.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}
