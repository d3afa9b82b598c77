import Table from 'cli-table3';

/** A box table for the terminal. No colour codes: styles come from the caller's text. */
export function boxTable(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map(String));
  return t.toString();
}
