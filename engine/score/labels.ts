import type { Problem } from '../errors.js';
import { isRecord, typeName } from '../import/jsonl.js';
import { explainSchemaErrors } from '../scenario/explain-schema-errors.js';
import { locate, parseYaml } from '../scenario/yaml-source.js';
import { validatorFor } from '../schemas/compile.js';
import type { Label } from '../schemas/labels.generated.js';

/** One label of a labelled set, where it sits in the file. */
export interface LabelRow {
  line: number;
  /** The column of the transcript path on its line, for problems about the transcript. */
  col: number;
  label: Label;
}

export const LABEL_EXAMPLE = '{"transcript": "runs/r/conversations/id.json", "verdict": "YES"}';

/** Where V8 says a JSON text went wrong, when it says so ("... in JSON at position 7"). */
const jsonPosition = (message: string) => Number(/at position (\d+)/.exec(message)?.[1] ?? Number.NaN);

/**
 * Reads a labelled set's text (JSONL: one label per line, schemas/labels.schema.json; blank lines
 * skipped but counted, so line numbers match an editor's). Pure: every problem in the file at
 * once, each at `line:col` of the field it is about.
 *
 * Not through the importers' streaming `readJsonl`: a labelled set is small (people label it), and
 * reading it whole gives each line's text, which the columns of problems come from.
 */
export function parseLabels(shown: string, text: string): { rows: LabelRow[]; problems: Problem[] } {
  const rows: LabelRow[] = [];
  const problems: Problem[] = [];
  const validate = validatorFor<Label>('labels');
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const at = (col: number, message: string) => problems.push({ file: shown, line, col, message });
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      const pos = jsonPosition((e as Error).message);
      at(Number.isNaN(pos) ? 1 : pos + 1, `not valid JSON (${(e as Error).message}); each line is one JSON object, e.g. ${LABEL_EXAMPLE}`);
      return;
    }
    if (!isRecord(value)) {
      at(1, `a label is a JSON object, not ${typeName(value)}; e.g. ${LABEL_EXAMPLE}`);
      return;
    }
    // Columns come from the line read as YAML (JSON is YAML's flow syntax), which maps a JSON
    // pointer back to a position; JSON.parse has already said the line is JSON.
    const parsed = parseYaml(shown, Buffer.from(raw));
    const colOf = (pointer: string, key?: string) => (parsed.ok ? locate(parsed.source, pointer, key === undefined ? {} : { key })[1] : 1);
    if (!validate(value)) {
      const errors = validate.errors ?? [];
      for (const e of errors.filter((x) => x.keyword === 'required')) {
        const field = (e.params as { missingProperty: string }).missingProperty;
        const what =
          field === 'verdict' ? '"verdict": "YES" or "NO" (YES: a constraint established earlier was violated)' : `"${field}": the transcript's path, relative to this file`;
        at(1, `missing "${field}"; add ${what}`);
      }
      for (const x of explainSchemaErrors(
        errors.filter((e) => e.keyword !== 'required'),
        [],
      ))
        at(colOf(x.pointer, x.key), x.message);
      return;
    }
    rows.push({ line, col: colOf('/transcript'), label: value });
  });
  if (rows.length === 0 && problems.length === 0)
    problems.push({ file: shown, line: 1, col: 1, message: `no labels in this file; add one JSON object per line, e.g. ${LABEL_EXAMPLE}` });
  return { rows, problems };
}
