import type { ResolvedModel } from '../models/capabilities.js';
import type { EffortLevel, Profile } from '../models/profiles.js';
import { findProfile, maxTokensFor } from '../models/profiles.js';
import { safeName } from '../plan/plan.js';
import { TurnFailed, type Provider } from '../providers/types.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Judged, JudgeConfig, Vote } from '../schemas/scores.generated.js';
import type { Transcript } from '../transcript/format.js';
import { heuristicCoherence, heuristicMemFail } from './heuristic-judge.js';
import { JudgeCache } from './judge-cache.js';
import { coherencePrompt, isTie, majority, memFailPrompt, parseVerdict, type JudgePrompt, type ParsedVerdict } from './judge-prompt.js';

/** Something that answers the rubric questions about a transcript. */
export interface Judge {
  readonly config: JudgeConfig;
  memFail(t: Transcript, s: Scenario): Promise<Judged>;
  /** Undefined when the step has nothing to be coherent with. */
  coherence(t: Transcript, s: Scenario, step: number): Promise<Judged | undefined>;
  /**
   * Counts of cache hits, misses, failed calls and replies read without a verdict (parseVerdict's
   * unscored), for the summary.
   */
  readonly stats: { hits: number; misses: number; errors: number; unreadable: number };
}

export function heuristicJudge(): Judge {
  const vote = (v: { verdict: Judged['verdict']; reasoning: string }, sha: string): Judged => ({
    verdict: v.verdict,
    votes: [{ judge: 'heuristic', sample: 1, verdict: v.verdict, reasoning: v.reasoning, prompt_sha256: sha, cache: 'none' }],
  });
  const NO_PROMPT = '0'.repeat(64);
  return {
    config: { id: 'heuristic', kind: 'heuristic', models: [], samples: 1, provider: null, base_url_host: null },
    stats: { hits: 0, misses: 0, errors: 0, unreadable: 0 },
    async memFail(t, s) {
      return vote(heuristicMemFail(t, s), NO_PROMPT);
    },
    async coherence(t, s, step) {
      const v = heuristicCoherence(t, s, step);
      return v && vote(v, NO_PROMPT);
    },
  };
}

export interface LlmJudgeOptions {
  models: string[];
  samples: number;
  /**
   * The model asked only when the votes tie; its vote decides. Required when the panel's votes
   * can tie (an even number of models times samples): see `votesCanTie`.
   */
  tieBreak?: string;
  provider: Provider;
  profiles: readonly Profile[];
  /** What the model lookup found for each judge model (its effort levels), where it ran. */
  resolved?: readonly ResolvedModel[];
  /** --judge-effort; else each model's default effort from its profile. */
  effort?: EffortLevel;
  cache: JudgeCache;
  /** false: judge again and overwrite the cached verdicts (--no-cache). */
  readCache: boolean;
  now: () => number;
}

/** A parsed reply as a vote's fields: an unscored reply keeps its reason. */
const voteOf = (p: ParsedVerdict) => ({ verdict: p.verdict, reasoning: p.reasoning, ...(p.error !== undefined ? { error: p.error } : {}) });

/**
 * The judge's effort and room. The effort is --judge-effort, else the model's own default from
 * its profile, and it is sent explicitly wherever the model takes effort, so a verdict says what
 * it was judged at and a changed default cannot change verdicts behind the cache's back
 * (https://platform.claude.com/docs/en/build-with-claude/effort). max_tokens is what the profile
 * gives that effort, which leaves room for thinking (the 5.x line thinks by default, and
 * max_tokens counts the thinking), or JUDGE_MAX_TOKENS for a model without a profile. A reply
 * cut off anyway is asked once more with twice the room.
 */
const cutOff = (stop: string | null) => stop === 'max_tokens' || stop === 'model_context_window_exceeded';

export const JUDGE_MAX_TOKENS = 16000;

/**
 * Whether a panel of `models` judges, each asked `samples` times, can split evenly. An even
 * number of votes ties (one YES, one NO), and a tie has no verdict: it would leave the hardest
 * transcripts unscored, which is not missing at random. So an even panel needs a tie-breaker
 * (issue 14). A vote that fails can still leave an odd panel tied; the tie-breaker, when there
 * is one, settles that too.
 */
export function votesCanTie(models: number, samples: number): boolean {
  return (models * samples) % 2 === 0;
}

/**
 * An LLM judge through the provider layer (Anthropic, OpenRouter or any compatible endpoint).
 * Each prompt goes to every panel model `samples` times; the verdict is the majority of the
 * votes that scored, and on a tie the tie-breaker's vote (asked only then). Every call goes
 * through the cache first.
 */
export function llmJudge(o: LlmJudgeOptions): Judge {
  if (votesCanTie(o.models.length, o.samples) && o.tieBreak === undefined)
    throw new Error(`llmJudge: ${o.models.length} model(s) x ${o.samples} sample(s) is an even number of votes, which can tie; give a tieBreak model`);
  const stats = { hits: 0, misses: 0, errors: 0, unreadable: 0 };
  const id = safeName(`${o.models.join('_')}${o.samples > 1 ? `-x${o.samples}` : ''}${o.tieBreak !== undefined ? `-tb-${o.tieBreak}` : ''}`);
  // A tie-breaker that sits on the panel gives one more sample than its panel votes (its own
  // cache entry); one from outside the panel is asked once, for its most likely answer.
  const tieBreakSample = o.tieBreak !== undefined && o.models.includes(o.tieBreak) ? o.samples + 1 : 1;
  const oneAnswer = (model: string, role: 'panel' | 'tie-break') => (role === 'tie-break' && !o.models.includes(model)) || o.samples === 1;

  async function vote(model: string, sample: number, prompt: JudgePrompt, s: Scenario, role: 'panel' | 'tie-break' = 'panel'): Promise<Vote> {
    const profile = findProfile(o.profiles, model);
    const tag = role === 'tie-break' ? { role } : {};
    // One sample: ask for the most likely answer where the model takes temperature.
    // Several samples: keep the default temperature, or the samples would all agree.
    const effort = o.effort ?? profile?.default_effort ?? null;
    const levels = o.resolved?.find((r) => r.requested === model && r.source !== 'none')?.efforts ?? profile?.efforts ?? [];
    const params: { max_tokens: number; system: string; temperature?: number; output_config?: { effort: EffortLevel } } = {
      max_tokens: profile ? maxTokensFor(profile, effort ?? 'default') : JUDGE_MAX_TOKENS,
      system: prompt.system,
    };
    if (effort !== null && levels.includes(effort)) params.output_config = { effort };
    if (oneAnswer(model, role) && profile?.sampling.temperature !== false) params.temperature = 0;
    const apiModel = o.provider.apiModel?.(model, profile?.aliases ?? []) ?? model;
    const key = JudgeCache.key({ model: apiModel, params, promptSha256: prompt.sha256, sample });
    if (o.readCache) {
      const hit = await o.cache.get(key);
      if (hit) {
        stats.hits++;
        // Read again from the judge's own words: an entry parsed by an older, looser parser
        // (issue 17: the last "verdict" anywhere) must not bring its verdict back.
        const again = parseVerdict(hit.raw);
        if (again.error !== undefined) stats.unreadable++;
        return { judge: model, sample, ...voteOf(again), prompt_sha256: prompt.sha256, cache: 'hit', ...tag };
      }
    }
    try {
      const ask = (maxTokens: number) =>
        o.provider.send(
          { model: apiModel, messages: [{ role: 'user', content: prompt.user }], ...params, max_tokens: maxTokens },
          { scenario: s, step: s.judge.steps.at(-1) ?? 1 },
        );
      let reply = await ask(params.max_tokens);
      if (cutOff(reply.message.stop_reason)) {
        const more = Math.min(params.max_tokens * 2, profile?.max_output_tokens ?? params.max_tokens * 2);
        reply = await ask(more);
        if (cutOff(reply.message.stop_reason)) {
          // Unscored, with the reason, and not cached: a later run with more room may judge it.
          stats.errors++;
          const error = `the judge's reply was cut off twice (${reply.message.stop_reason} at max_tokens ${params.max_tokens}, then ${more}), so it has no verdict`;
          return { judge: model, sample, verdict: 'unscored', reasoning: '', prompt_sha256: prompt.sha256, cache: 'miss', error, ...tag };
        }
      }
      const raw = reply.message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      const parsed = parseVerdict(raw);
      await o.cache.put(key, { verdict: parsed.verdict, reasoning: parsed.reasoning, raw, model: reply.message.model, at: new Date(o.now()).toISOString() });
      stats.misses++;
      if (parsed.error !== undefined) stats.unreadable++;
      return { judge: model, sample, ...voteOf(parsed), prompt_sha256: prompt.sha256, cache: 'miss', ...tag };
    } catch (e) {
      if (!(e instanceof TurnFailed)) throw e;
      // A judge that could not answer leaves the vote unscored; it is not cached.
      stats.errors++;
      return { judge: model, sample, verdict: 'unscored', reasoning: '', prompt_sha256: prompt.sha256, cache: 'miss', error: e.message, ...tag };
    }
  }

  async function judge(prompt: JudgePrompt, s: Scenario): Promise<Judged> {
    const votes: Vote[] = [];
    for (const model of o.models) for (let i = 1; i <= o.samples; i++) votes.push(await vote(model, i, prompt, s));
    const verdicts = votes.map((v) => v.verdict);
    if (o.tieBreak === undefined || !isTie(verdicts)) return { verdict: majority(verdicts), votes };
    // Asked only on a tie, so a panel that agrees costs nothing more; its vote decides.
    const decider = await vote(o.tieBreak, tieBreakSample, prompt, s, 'tie-break');
    return { verdict: decider.verdict, votes: [...votes, decider] };
  }

  return {
    config: {
      id,
      kind: 'llm',
      models: o.models,
      samples: o.samples,
      ...(o.tieBreak !== undefined ? { tie_break: o.tieBreak } : {}),
      provider: o.provider.name,
      base_url_host: o.provider.baseUrl ? new URL(o.provider.baseUrl).host : null,
    },
    stats,
    memFail: (t, s) => judge(memFailPrompt(t, s), s),
    async coherence(t, s, step) {
      const hasEarlier = [...(s.findings ?? []), ...s.constraints].some((f) => f.established_in < step);
      return hasEarlier ? judge(coherencePrompt(t, s, step), s) : undefined;
    },
  };
}
