import { nestedRepeat } from './regex-safety.js';
import type { Scenario } from './scenario.js';
import { historyOf, isGenerated } from './scenario.js';
import type { Explained } from './explain-schema-errors.js';
import { closest } from './explain-schema-errors.js';

/**
 * Checks the schema cannot express: references between parts of one scenario, step order,
 * regular expressions that compile, and fixtures that cover every generated step.
 * Runs only on a value that passed the schema. Cross-file checks live in validate.ts.
 */
export function semanticChecks(s: Scenario): Explained[] {
  const out: Explained[] = [];
  const n = s.steps.length;
  // After a gap (1, 2, 4) a reference to step k may mean the step numbered k or the k-th step:
  // accept either, so the gap is reported once rather than again by every judge step, fixture
  // and window that refers to a step after it (issue 15, point 10). With correct numbering
  // both readings agree.
  const indexOfStep = (k: number): number => {
    const written = s.steps.findIndex((st) => st.step === k);
    return written >= 0 ? written : Number.isInteger(k) && k >= 1 && k <= n ? k - 1 : -1;
  };
  const lastStep = Math.max(n, ...s.steps.map((st) => st.step));

  const misnumbered = s.steps.findIndex((st, i) => st.step !== i + 1);
  if (misnumbered >= 0) {
    const got = s.steps[misnumbered]!.step;
    out.push({
      pointer: `/steps/${misnumbered}/step`,
      message: `steps must be numbered 1, 2, 3... in order without gaps: expected ${misnumbered + 1} here, got ${got}; renumber this step${misnumbered + 1 < n ? ' and the ones after it' : ''}`,
    });
  }

  const constraintIds = new Map<string, number>();
  s.constraints.forEach((c, i) => {
    if (constraintIds.has(c.id)) out.push({ pointer: `/constraints/${i}/id`, message: `constraint id "${c.id}" is used twice in this scenario; give each constraint its own id` });
    constraintIds.set(c.id, c.established_in);
    if (c.established_in > lastStep)
      out.push({ pointer: `/constraints/${i}/established_in`, message: `constraint "${c.id}" is established in step ${c.established_in}, but the scenario has ${n} step(s)` });
    c.cues.forEach((cue, j) => {
      checkRegExp(out, `/constraints/${i}/cues/${j}`, cue, 'i');
    });
  });
  const findingIds = new Set<string>();
  (s.findings ?? []).forEach((f, i) => {
    if (findingIds.has(f.id) || constraintIds.has(f.id))
      out.push({ pointer: `/findings/${i}/id`, message: `id "${f.id}" is already used by another constraint or finding; ids must be unique within a scenario` });
    findingIds.add(f.id);
    if (f.established_in > lastStep)
      out.push({ pointer: `/findings/${i}/established_in`, message: `finding "${f.id}" is established in step ${f.established_in}, but the scenario has ${n} step(s)` });
    f.cues.forEach((cue, j) => {
      checkRegExp(out, `/findings/${i}/cues/${j}`, cue, 'i');
    });
  });

  const known = [...constraintIds.keys()];
  const refCheck = (pointer: string, id: string, usedAt: number, what: string, strictlyBefore: boolean): void => {
    const established = constraintIds.get(id);
    if (established === undefined) {
      const guess = closest(id, known);
      out.push({ pointer, message: `unknown constraint "${id}"; ${guess ? `did you mean "${guess}"?` : `declared constraints: ${known.join(', ')}`}` });
    } else if (strictlyBefore ? established >= usedAt : established > usedAt) {
      out.push({
        pointer,
        message: `constraint "${id}" is established in step ${established}, so a ${what} at step ${usedAt} cannot test it yet; move the ${what} later or establish the constraint earlier`,
      });
    }
  };

  s.steps.forEach((st, i) => {
    if (st.trap) {
      st.trap.violates.forEach((id, j) => {
        refCheck(`/steps/${i}/trap/violates/${j}`, id, st.step, 'trap', true);
      });
      st.trap.cues.accept.forEach((cue, j) => {
        checkRegExp(out, `/steps/${i}/trap/cues/accept/${j}`, cue, 'i');
      });
      st.trap.cues.reject.forEach((cue, j) => {
        checkRegExp(out, `/steps/${i}/trap/cues/reject/${j}`, cue, 'i');
      });
      if (!isGenerated(s, st))
        out.push({ pointer: `/steps/${i}/trap`, message: `step ${st.step} has a prefilled reply, so the model never answers its trap; remove \`reply\` or move the trap` });
    }
    (st.probes ?? []).forEach((p, j) => {
      refCheck(`/steps/${i}/probes/${j}/constraint`, p.constraint, st.step, 'probe', false);
      probeChecks(out, `/steps/${i}/probes/${j}`, p);
    });
    if (st.reply !== undefined && historyOf(s) === 'live') {
      out.push({ pointer: `/steps/${i}/reply`, message: '`reply` is only allowed with `history: prefilled`; remove it, or set `history: prefilled` at the top' });
    }
  });
  (s.probes ?? []).forEach((p, j) => {
    const from = p.from_step ?? constraintIds.get(p.constraint) ?? 1;
    refCheck(`/probes/${j}/constraint`, p.constraint, from, 'probe', false);
    if (p.from_step !== undefined && p.from_step > lastStep) out.push({ pointer: `/probes/${j}/from_step`, message: `from_step ${p.from_step} is past the last step (${n})` });
    probeChecks(out, `/probes/${j}`, p);
  });

  const generated = s.steps.map((st) => isGenerated(s, st));
  if (historyOf(s) === 'prefilled' && !generated.includes(true)) {
    out.push({ pointer: '/steps', message: 'with `history: prefilled` at least one step must be generated (have no `reply`)' });
  }

  s.judge.steps.forEach((k, j) => {
    const at = indexOfStep(k);
    if (at < 0) out.push({ pointer: `/judge/steps/${j}`, message: `judge reads step ${k}, but the scenario has steps 1-${n}` });
    else if (!generated[at]) out.push({ pointer: `/judge/steps/${j}`, message: `judge reads step ${k}, whose reply is prefilled rather than generated; judge a generated step` });
  });

  const w = s.scoring?.citation_window;
  if (w) {
    if (w.from > w.to) out.push({ pointer: '/scoring/citation_window', message: `citation window runs backwards (from ${w.from} to ${w.to}); swap them` });
    if (w.to > lastStep) out.push({ pointer: '/scoring/citation_window/to', message: `citation window ends at step ${w.to}, but the scenario has ${n} step(s)` });
  }
  (s.scoring?.self_correction_phrases ?? []).forEach((p, j) => {
    checkRegExp(out, `/scoring/self_correction_phrases/${j}`, p, 'i');
  });

  for (const variant of ['pass', 'fail'] as const) {
    // Imported scenarios may have no fixtures (the schema allows it only for them).
    if (!s.fixtures) break;
    const replies = s.fixtures[variant];
    s.steps.forEach((st, i) => {
      if (!generated[i] || replies[String(st.step)] !== undefined || replies[String(i + 1)] !== undefined) return;
      out.push({ pointer: `/fixtures/${variant}`, message: `fixtures.${variant} has no reply for step ${st.step}; add \`${st.step}: |\` with the reference reply` });
    });
    for (const key of Object.keys(replies)) {
      const k = Number(key);
      const at = indexOfStep(k);
      if (at < 0) out.push({ pointer: `/fixtures/${variant}`, key, message: `fixtures.${variant} has a reply for step ${k}, but the scenario has steps 1-${n}; remove it` });
      else if (!generated[at])
        out.push({ pointer: `/fixtures/${variant}`, key, message: `fixtures.${variant} has a reply for step ${k}, whose reply is prefilled; remove the fixture` });
    }
  }
  return out;
}

function probeChecks(out: Explained[], pointer: string, p: { kind: string; pattern?: unknown; flags?: unknown; min?: unknown; max?: unknown }): void {
  if (p.kind === 'regex' && typeof p.pattern === 'string') checkRegExp(out, `${pointer}/pattern`, p.pattern, typeof p.flags === 'string' ? p.flags : '');
  if ((p.kind === 'words' || p.kind === 'sentences') && typeof p.min === 'number' && typeof p.max === 'number' && p.min > p.max) {
    out.push({ pointer, message: `min (${p.min}) is greater than max (${p.max}); no reply can pass this probe` });
  }
}

function checkRegExp(out: Explained[], pointer: string, pattern: string, flags: string): void {
  try {
    new RegExp(pattern, flags);
  } catch (e) {
    const why = (e as Error).message.replace(/^Invalid regular expression: /, '');
    out.push({ pointer, message: `not a valid regular expression: ${why}; escape special characters such as ( [ + * ? with a backslash` });
    return;
  }
  const nested = nestedRepeat(pattern, flags);
  if (nested?.why === 'nested') {
    out.push({
      pointer,
      message: `this regular expression can take exponential time on a reply that almost matches: ${nested.group} repeats something that already repeats (at character ${nested.index + 1} of the pattern); repeat it once, e.g. (x+x+)+y as x{2,}y, or (\\w+\\s?)+ as [\\w\\s]+`,
    });
  } else if (nested?.why === 'overlap') {
    out.push({
      pointer,
      message: `this regular expression can take exponential time on a reply that almost matches: ${nested.group} is repeated (at character ${nested.index + 1} of the pattern) and two of its alternatives can start with the same character, so a reply splits between them every way; make the alternatives start differently, or use one class, e.g. (\\w|\\d)+ as \\w+`,
    });
  }
}
