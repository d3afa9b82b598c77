import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { LabelsError, TranscriptError } from '../errors.js';
import type { LoadedScenario } from '../scenario/scenario.js';
import type { Transcript } from '../transcript/format.js';
import { parseTranscript, type RunStore } from '../transcript/run-store.js';
import { LABEL_EXAMPLE, type LabelRow, parseLabels } from './labels.js';
import { resolveTargets, scenarioOf } from './score-run.js';

/** A labelled transcript, read and matched to the scenario it was made from. */
export interface LabelledTranscript {
  row: LabelRow;
  file: string;
  transcript: Transcript;
  scenario: LoadedScenario;
}

export interface LabelledSet {
  /** The labels file as the user gave it. */
  file: string;
  sha256: string;
  items: LabelledTranscript[];
}

const FORMAT = 'a labelled set is JSONL, one label per line; see the README, driftbench calibrate';

/**
 * Reads a labelled set and every transcript it names, before anything is judged: a bad line, a
 * transcript that is missing, invalid or labelled twice, or one whose scenario is not at hand is
 * reported at the label's `file:line:col`, all at once (LabelsError). Transcripts in a run
 * directory are matched to the run's own scenario snapshots, as `score` does; others to `suite`.
 */
export async function loadLabelledSet(
  shown: string,
  deps: {
    cwd: string;
    suite: () => Promise<ReadonlyMap<string, LoadedScenario>>;
    loadRunScenarios: (store: RunStore) => Promise<ReadonlyMap<string, LoadedScenario>>;
  },
): Promise<LabelledSet> {
  const file = resolve(deps.cwd, shown);
  const whole = (message: string) => new LabelsError([{ file: shown, line: 1, col: 1, message }]);
  if (['.yaml', '.yml'].includes(extname(file).toLowerCase())) throw whole(`a labelled set is JSONL, not YAML: write each label on one line as ${LABEL_EXAMPLE}`);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw whole(
      code === 'ENOENT'
        ? `no such labels file; check the path (${FORMAT})`
        : code === 'EISDIR'
          ? `this is a folder; pass the labels file itself (${FORMAT})`
          : `cannot read the labels file (${code ?? String(e)})`,
    );
  }
  const { rows, problems } = parseLabels(shown, bytes.toString('utf8'));
  if (problems.length > 0) throw new LabelsError(problems);

  const at = (row: LabelRow, message: string) => problems.push({ file: shown, line: row.line, col: row.col, message: `transcript ${row.label.transcript}: ${message}` });
  const paths = new Map<LabelRow, string>();
  const firstLine = new Map<string, number>();
  for (const row of rows) {
    const p = resolve(dirname(file), row.label.transcript);
    const info = await stat(p).catch(() => undefined);
    const seen = firstLine.get(p);
    if (!info) at(row, `no such file (a label's path is relative to the labels file, here ${dirname(shown) || '.'})`);
    else if (!info.isFile()) at(row, 'is not a file; a label names one transcript, <run>/conversations/<id>.json');
    else if (seen !== undefined) at(row, `is already labelled on line ${seen}; keep one verdict per transcript (settle disagreements between labellers first)`);
    else {
      firstLine.set(p, row.line);
      paths.set(row, p);
    }
  }

  const scenariosOf = new Map<string, ReadonlyMap<string, LoadedScenario>>();
  for (const target of await resolveTargets([...paths.values()], deps.suite, deps.loadRunScenarios)) for (const f of target.files) scenariosOf.set(f, target.scenarios);
  const items: LabelledTranscript[] = [];
  for (const [row, p] of paths) {
    let transcript: Transcript;
    try {
      transcript = parseTranscript(p, await readFile(p, 'utf8'));
    } catch (e) {
      if (!(e instanceof TranscriptError)) throw e;
      at(row, `${e.message.replace(`${p}: `, '')}; label a transcript driftbench wrote, unedited`);
      continue;
    }
    const scenario = scenarioOf(transcript, scenariosOf.get(p) ?? new Map(), "pass the suite it came from as calibrate's scenario paths");
    if (typeof scenario === 'string') at(row, scenario);
    else items.push({ row, file: p, transcript, scenario });
  }
  // In the file's order: the checks above found some, the matching here the others.
  if (problems.length > 0) throw new LabelsError(problems.sort((a, b) => a.line - b.line));
  return { file: shown, sha256: createHash('sha256').update(bytes).digest('hex'), items };
}
