import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { formatProblem, isSystemError, StorageError, UsageError } from '../../errors.js';
import { readJsonl, type Checked } from '../../import/jsonl.js';
import { renderScenario, ScenarioIds } from '../../import/scenario-files.js';
import { mtbenchScenario, parseMtbenchQuestion } from '../../import/mtbench.js';
import { multichallengeScenario, parseMultichallengeQuestion } from '../../import/multichallenge.js';
import { importMultichallengeResponses, modelFromFileName, type ImportedQuestion, type ResponseFile } from '../../import/responses.js';
import { packageRoot } from '../../paths.js';
import type { Scenario } from '../../scenario/scenario.js';
import { writeFileDurably } from '../../transcript/atomic-write.js';
import { validateScenarioBytes } from '../../scenario/validate.js';
import type { Output } from '../output.js';

export type ImportFormat = 'multichallenge' | 'mtbench';

export interface ImportOptions {
  format: ImportFormat;
  /** The dataset's question file (JSONL). */
  input: string;
  /** MultiChallenge response files, one per model (`--responses`, repeatable). */
  responses?: string[];
  /** Where scenario files go (`--out`); default DEFAULT_IMPORT_OUT[format]. */
  out?: string;
  /** The folder that gets the imported run directory (`--run-out`); default `transcripts`. */
  runOut?: string;
}

export interface ImportDeps {
  output: Output;
  cwd: string;
  now: () => number;
  engineVersion: string;
}

export interface BadRow {
  file: string;
  line: number;
  message: string;
}

export interface ImportResult {
  scenarios: number;
  transcripts: number;
  bad: BadRow[];
}

/**
 * Imported scenarios go under transcripts/imported/ by default, not scenarios/: a dataset of
 * hundreds of questions must not join the default `driftbench run` (and its paid replays)
 * unless asked for, and it is regenerated from the dataset rather than kept in git.
 */
export const DEFAULT_IMPORT_OUT: Record<ImportFormat, string> = {
  multichallenge: 'transcripts/imported/multichallenge',
  mtbench: 'transcripts/imported/mtbench',
};
export const DEFAULT_RUN_OUT = 'transcripts';
export const IMPORTED_RUN_ID = 'imported-multichallenge';

/** How each format's rows become scenarios: checked, keyed by question id, built. */
interface QuestionFormat<Q extends { questionId: string }> {
  idPrefix: string;
  keyName: string;
  parse(row: unknown): Checked<Q>;
  build(q: Q, id: string, origin: { file: string; line: number }): Scenario;
}
const FORMATS = {
  multichallenge: { idPrefix: 'mc', keyName: 'QUESTION_ID', parse: parseMultichallengeQuestion, build: multichallengeScenario },
  mtbench: { idPrefix: 'mtbench', keyName: 'question_id', parse: parseMtbenchQuestion, build: mtbenchScenario },
} satisfies { [F in ImportFormat]: QuestionFormat<{ questionId: string }> };

/**
 * `driftbench import <format> <questions.jsonl>`: a published dataset's questions become scenario
 * files, one per row, written as each row is read; with `--responses` (MultiChallenge), the
 * published responses become one run directory that score, report and diff read like any run.
 *
 * A bad row (not JSON, a missing or wrong field, a scenario that would not validate) is printed
 * as `file:line:1: what is wrong` and skipped; the good rows still import. Bad rows are returned,
 * not thrown: the caller sets exit code 2 when there are any. A missing input file, a clash of
 * model names or an existing run directory is a UsageError, raised before anything is written.
 */
export async function importCommand(o: ImportOptions, deps: ImportDeps): Promise<ImportResult> {
  const abs = (p: string) => resolve(deps.cwd, p);
  const show = (p: string) => relative(deps.cwd, p) || '.';
  const responses = o.responses ?? [];
  if (o.format === 'mtbench' && responses.length > 0)
    throw new UsageError('--responses is only for multichallenge: MT-Bench questions are replayed live, so there is nothing to import for them');

  const input = abs(o.input);
  await assertFile(input, o.input, "the dataset's question file");
  const files: ResponseFile[] = [];
  for (const r of responses) {
    await assertFile(abs(r), r, 'a response file (one per model)');
    const model = modelFromFileName(r);
    const clash = files.find((f) => f.model === model);
    if (clash) throw new UsageError(`${r} and ${clash.display} would both be model "${model}" (a response file's model is its name without the extension); rename one`);
    files.push({ path: abs(r), display: show(abs(r)), model });
  }
  const runDir = abs(join(o.runOut ?? DEFAULT_RUN_OUT, IMPORTED_RUN_ID));
  if (files.length > 0 && (await nonEmptyDir(runDir))) {
    throw new UsageError(`${show(runDir)} already exists; remove it or pass --run-out to import the responses somewhere else (an import never mixes with an earlier one)`);
  }

  const bad: BadRow[] = [];
  const report = (file: string, line: number, message: string) => {
    bad.push({ file, line, message });
    deps.output.err(formatProblem({ file, line, col: 1, message }));
  };

  const out = abs(o.out ?? DEFAULT_IMPORT_OUT[o.format]);
  const fmt: QuestionFormat<{ questionId: string }> = FORMATS[o.format];
  const questions = await importQuestions(fmt, input, out, show(input), report);
  const n = questions.size;
  deps.output.out(`${show(input)}: ${n} scenario${n === 1 ? '' : 's'} written to ${show(out)}${skipped(questions.bad)}`);
  if (questions.stale > 0)
    deps.output.out(`${show(out)}: ${questions.stale} scenario file${questions.stale === 1 ? '' : 's'} from an earlier import are not in this input and were left as they were`);
  if (files.length === 0) return { scenarios: n, transcripts: 0, bad };

  const result = await importMultichallengeResponses({
    files,
    runDir,
    runId: IMPORTED_RUN_ID,
    questions,
    scenarioDir: out,
    questionsDisplay: show(input),
    now: deps.now,
    engineVersion: deps.engineVersion,
    onBad: report,
    onFileDone: (f, c) =>
      deps.output.out(
        `${f.display}: ${c.conversations} response${c.conversations === 1 ? '' : 's'} of ${f.model} to ${c.rows} question${c.rows === 1 ? '' : 's'}${skipped(c.bad)}`,
      ),
  });
  const m = result.manifest;
  if (m === undefined) {
    deps.output.out('no response could be imported, so no run directory was written');
  } else {
    const models = m.plan.models.length;
    deps.output.out(
      `${show(runDir)}: imported run of ${result.transcripts} conversation${result.transcripts === 1 ? '' : 's'} (${m.plan.scenarios.length} scenarios, ${models} model${models === 1 ? '' : 's'}, up to ${m.plan.repeats} repeat${m.plan.repeats === 1 ? '' : 's'}); score it with: driftbench score ${show(runDir)}`,
    );
  }
  return { scenarios: n, transcripts: result.transcripts, bad };
}

/** The question import's outcome: question id -> scenario, plus what was skipped. */
type ImportedQuestions = Map<string, ImportedQuestion> & { bad: number; stale: number };

async function importQuestions(
  fmt: QuestionFormat<{ questionId: string }>,
  input: string,
  out: string,
  display: string,
  report: (file: string, line: number, message: string) => void,
): Promise<ImportedQuestions> {
  await mkdir(out, { recursive: true });
  const before = new Set((await readdir(out)).filter((f) => f.endsWith('.yaml')));
  const schemaRef = relative(out, join(packageRoot(), 'schemas', 'scenario.schema.json'))
    .split(sep)
    .join('/');
  const ids = new ScenarioIds(fmt.idPrefix);
  const questions = Object.assign(new Map<string, ImportedQuestion>(), { bad: 0, stale: 0 });
  const bad = (line: number, message: string) => {
    questions.bad++;
    report(display, line, message);
  };

  for await (const row of readJsonl(input)) {
    if ('error' in row) {
      bad(row.line, row.error);
      continue;
    }
    const checked = fmt.parse(row.value);
    if (!checked.ok) {
      bad(row.line, checked.message);
      continue;
    }
    const q = checked.value;
    const first = questions.get(q.questionId);
    if (first !== undefined) {
      bad(row.line, `${fmt.keyName} ${JSON.stringify(q.questionId)} was already imported from line ${first.line}; question ids must be unique`);
      continue;
    }
    const id = ids.next(q.questionId);
    const scenario = fmt.build(q, id, { file: basename(input), line: row.line });
    const path = join(out, `${id}.yaml`);
    const bytes = renderScenario(scenario, schemaRef);
    // Validated before it is written: a row whose scenario would not load is a bad row.
    const verdict = validateScenarioBytes(path, bytes);
    const problem = verdict.problems[0];
    if (problem !== undefined || verdict.loaded === undefined) {
      bad(row.line, `the scenario built from this row does not validate: ${problem?.message ?? 'unknown problem'}${problem?.pointer ? ` (at ${problem.pointer})` : ''}`);
      continue;
    }
    if (JSON.stringify(verdict.loaded.scenario) !== JSON.stringify(scenario)) {
      bad(row.line, 'the scenario built from this row does not read back as written (a YAML round-trip changed its text); please report this row');
      continue;
    }
    // A file an earlier import wrote is replaced atomically (a temp file and a rename, not
    // fsynced), so a failed write (a full disk) never leaves it cut short in place of the whole
    // one. A new file is written plainly and removed if its write fails. Neither is fsynced: a
    // power cut may lose the newest version, which the next import writes again from the
    // dataset. Timed with test/import's 20,000 rows: plain 34-38 s, atomic without fsync 75 s,
    // durable 87 s; so only a replacement pays for the rename.
    if (before.has(`${id}.yaml`)) await writeFileDurably(path, bytes, { fsync: false });
    else await writeNewFile(path, bytes);
    ids.take(id);
    before.delete(`${id}.yaml`);
    questions.set(q.questionId, { scenarioId: id, order: questions.size, line: row.line });
  }
  questions.stale = before.size;
  return questions;
}

/** A file that did not exist: written whole, or not left behind (a full disk). */
async function writeNewFile(path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (e) {
    await rm(path, { force: true });
    throw isSystemError(e) ? StorageError.from(e, path) : e;
  }
}

async function assertFile(path: string, given: string, what: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new UsageError(`${given}: no such file; pass ${what}`);
  if (!info.isFile()) throw new UsageError(`${given}: not a file; pass ${what}`);
}

async function nonEmptyDir(dir: string): Promise<boolean> {
  return readdir(dir).then(
    (entries) => entries.length > 0,
    () => false,
  );
}

const skipped = (n: number) => (n === 0 ? '' : `; ${n} bad row${n === 1 ? '' : 's'} skipped`);
