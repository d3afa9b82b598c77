import { findProfile, type Profile } from '../models/profiles.js';
import type { CellKey, FallbackCell, FallbackConversation } from '../schemas/report.generated.js';
import type { Transcript } from '../transcript/format.js';

/**
 * Who answered: a server may answer a request with another model than the one asked for (a
 * fallback, https://platform.claude.com/docs/en/build-with-claude/refusals-and-fallback), and
 * the response's `model` says so. Such a turn is not the requested model's answer, and every
 * later turn of its conversation builds on it. Pure: the profiles come in as data.
 */

/** What tells two names of a model apart from two models. */
export interface ModelNames {
  profiles: readonly Profile[];
  /**
   * The ids the run's Models API gave for the names it was asked about (the manifest's
   * `models`): it answers `claude-haiku-4-5` with `claude-haiku-4-5-20251001`, and knows new
   * snapshots before the shipped profiles do.
   */
  resolved?: ReadonlyArray<{ requested: string; id: string }>;
}

/** A turn another model answered: its step and that model, as the provider named it. */
export type FallbackTurn = FallbackConversation['turns'][number];

/** One name per model: the profile's id, else the Models API's id, else the name as given. */
function canonical(name: string, names: ModelNames): string {
  const profiled = findProfile(names.profiles, name);
  if (profiled) return profiled.id;
  const resolved = names.resolved?.find((m) => m.requested === name || m.id === name);
  if (resolved) return findProfile(names.profiles, resolved.id)?.id ?? resolved.id;
  return name;
}

/**
 * Whether two names are one model. A different string is not always a different model: an
 * alias is answered by its dated id, and OpenRouter's `anthropic/claude-opus-4.7` is
 * `claude-opus-4-7`. Names neither the profiles nor the Models API know compare as strings.
 */
export function sameModel(a: string, b: string, names: ModelNames): boolean {
  return a === b || canonical(a, names) === canonical(b, names);
}

/**
 * The turns of a transcript that another model than the requested one answered. Only
 * generated turns with a named model count: prefilled and distractor turns are sent as given
 * (their `response.model` is null), and a failed turn has no response.
 */
export function fallbackTurns(t: Pick<Transcript, 'model_requested' | 'turns'>, names: ModelNames): FallbackTurn[] {
  return t.turns.flatMap((turn) => {
    const model = turn.kind === 'generated' ? turn.response?.model : null;
    return model && !sameModel(t.model_requested, model, names) ? [{ step: turn.step, answered_by: model }] : [];
  });
}

/** The key every report groups by, from a transcript's or a score's cell. */
export function cellKeyOf(cell: { model: string; effort: string; condition?: string; distance?: number; distance_unit?: 'tokens' }): CellKey {
  return {
    model: cell.model,
    effort: cell.effort,
    condition: cell.condition ?? 'baseline',
    distance: cell.distance ?? 0,
    ...(cell.distance_unit ? { distance_unit: cell.distance_unit } : {}),
  };
}

/** Per cell: how many conversations and turns another model answered, and which models. Cells with none are left out. */
export function fallbackCells(conversations: ReadonlyArray<{ cell: CellKey; turns: readonly FallbackTurn[] }>): FallbackCell[] {
  const byCell = new Map<string, { cell: CellKey; conversations: number; turns: number; models: Set<string> }>();
  for (const c of conversations) {
    if (c.turns.length === 0) continue;
    const key = JSON.stringify([c.cell.model, c.cell.effort, c.cell.condition, c.cell.distance]);
    const entry = byCell.get(key) ?? { cell: c.cell, conversations: 0, turns: 0, models: new Set<string>() };
    entry.conversations++;
    entry.turns += c.turns.length;
    for (const t of c.turns) entry.models.add(t.answered_by);
    byCell.set(key, entry);
  }
  return [...byCell].sort(([a], [b]) => a.localeCompare(b)).map(([, e]) => ({ cell: e.cell, conversations: e.conversations, turns: e.turns, answered_by: [...e.models].sort() }));
}

/** A cell as people read it: model and effort, then condition and distance when they are not the defaults. */
export function cellName(k: CellKey): string {
  return [k.model, k.effort, k.condition === 'baseline' ? '' : k.condition, k.distance === 0 ? '' : `distance ${k.distance}`].filter(Boolean).join(' / ');
}

/** "3 turn(s) in 2 conversation(s) answered by another model (claude-sonnet-4-6)". */
export function fallbackCount(c: FallbackCell): string {
  return `${c.turns} turn(s) in ${c.conversations} conversation(s) answered by another model (${c.answered_by.join(', ')})`;
}
