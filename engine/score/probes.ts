import type { Probe, Scenario, StandingProbe } from '../scenario/scenario.js';
import { probeRegExp, probesForStep } from '../scenario/scenario.js';

export interface ProbeResult {
  constraint: string;
  kind: Probe['kind'];
  passed: boolean;
  /** Why it failed, in words a report can print. */
  detail: string;
}

/**
 * Stop words per language. "Reply is in language X" means X's stop words outnumber every
 * other language's: crude, but it needs no model and no download, and a persona that drifts
 * into English flips it decisively.
 */
const STOP_WORDS: Record<string, readonly string[]> = {
  en: 'the and of to a in is it that for you was with on as have be at this are not but or from they we your will can if what there which their'.split(' '),
  es: 'de la que el en y los se del las un por con no una su para es al lo como más pero sus le ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde desde todo nos durante todos uno les ni contra otros ese eso ante ellos esto antes algunos qué unos yo otro otras otra él tanto esa estos mucho nada muchos cual poco ella estar estas algo nosotros tu te puedes'.split(
    ' ',
  ),
  fr: 'le la les de des du et un une est en que qui dans pour pas au aux ce cette sur avec il elle nous vous ils sont mais ou se ne plus par son sa ses leur très être avoir fait je tu'.split(
    ' ',
  ),
  de: 'der die das und ist nicht ein eine zu den dem des mit sich auf für von im ich du er sie es wir ihr auch als an aus bei nach noch wie oder aber wenn nur so kann sind war'.split(
    ' ',
  ),
  it: 'il lo la i gli le di del della che e è un una per non con sono si da in al alla ma come anche più questo questa ci ne ho hai ha mi ti se nel nella essere'.split(' '),
  pt: 'o a os as de do da dos das que e é um uma para com não em no na por se mais como mas ao ele ela isso isto você são foi muito também já está pelo pela nos'.split(' '),
  nl: 'de het een en van is dat op te in voor niet met zijn er maar ook als aan bij om dan wat nog door naar uit je ik wij we hij zij ze dit deze was worden kan'.split(' '),
};
const STOP_SETS = Object.fromEntries(Object.entries(STOP_WORDS).map(([k, v]) => [k, new Set(v)]));

export function words(text: string): string[] {
  return text.split(/\s+/u).filter((w) => /[\p{L}\p{N}]/u.test(w));
}

export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?…])\s+|\n{2,}/u)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s));
}

/** The language whose stop words are most frequent in the text; undefined when none appear. */
export function detectLanguage(text: string): { language: string | undefined; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  const tokens = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  for (const [lang, set] of Object.entries(STOP_SETS)) counts[lang] = tokens.filter((t) => set.has(t)).length;
  let best: string | undefined;
  for (const [lang, n] of Object.entries(counts)) if (n > 0 && (best === undefined || n > counts[best]!)) best = lang;
  return { language: best, counts };
}

/** JSON, allowing surrounding white space and a single ```json fence around it. */
export function parsesAsJson(text: string): boolean {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/u.exec(text);
  try {
    JSON.parse(fenced ? fenced[1]! : text);
    return true;
  } catch {
    return false;
  }
}

export function evaluateProbe(probe: Probe | StandingProbe, reply: string): ProbeResult {
  const base = { constraint: probe.constraint, kind: probe.kind };
  switch (probe.kind) {
    case 'regex': {
      const matched = probeRegExp(probe).test(reply);
      const passed = probe.expect === 'match' ? matched : !matched;
      return { ...base, passed, detail: passed ? 'ok' : `${probe.expect === 'match' ? 'does not match' : 'matches'} /${probe.pattern}/${probe.flags ?? ''}` };
    }
    case 'words':
    case 'sentences': {
      const p = probe as { min?: number; max?: number };
      const n = (probe.kind === 'words' ? words(reply) : sentences(reply)).length;
      const passed = (p.min === undefined || n >= p.min) && (p.max === undefined || n <= p.max);
      return { ...base, passed, detail: passed ? 'ok' : `${n} ${probe.kind}, allowed ${p.min ?? 0}-${p.max ?? '∞'}` };
    }
    case 'language': {
      const { language } = detectLanguage(reply);
      const passed = language === probe.language;
      return { ...base, passed, detail: passed ? 'ok' : `reply reads as ${language ?? 'no known language'}, expected ${probe.language}` };
    }
    case 'json': {
      const passed = parsesAsJson(reply);
      return { ...base, passed, detail: passed ? 'ok' : 'reply is not valid JSON' };
    }
  }
}

/** Every probe that applies to a step, run on that step's reply. */
export function probeStep(s: Scenario, stepNumber: number, reply: string): ProbeResult[] {
  return probesForStep(s, stepNumber).map((p) => evaluateProbe(p, reply));
}
