import { createHash } from 'node:crypto';
import { Document, isScalar, isSeq } from 'yaml';
import type { Scenario } from '../scenario/scenario.js';
import { kebab } from './jsonl.js';

/**
 * Scenario ids from question ids: `<prefix>-<question id in kebab case>`. An id that would be
 * too long for the schema (64 characters), empty, or already taken by another question (ids
 * differing only in case or punctuation) gets a short hash of the question id instead, so the
 * same input always gives the same ids.
 */
export class ScenarioIds {
  private readonly used = new Set<string>();
  constructor(private readonly prefix: string) {}

  next(questionId: string): string {
    const slug = kebab(questionId);
    const room = 64 - this.prefix.length - 1;
    const plain = `${this.prefix}-${slug}`;
    if (slug !== '' && slug.length <= room && !this.used.has(plain)) return plain;
    const hash = createHash('sha256').update(questionId).digest('hex').slice(0, 8);
    const head = slug.slice(0, room - hash.length - 1).replace(/-+$/, '');
    const hashed = head === '' ? `${this.prefix}-${hash}` : `${this.prefix}-${head}-${hash}`;
    let id = hashed;
    for (let n = 2; this.used.has(id); n++) id = `${this.prefix}-${hash}-${n}`;
    return id;
  }

  take(id: string): void {
    this.used.add(id);
  }
}

/** A scenario file as a person would write one: the schema comment first, then the YAML. */
export function renderScenario(s: Scenario, schemaRef: string): Uint8Array {
  const doc = new Document(s);
  // Quoted, so that YAML 1.1 readers do not take NO for false.
  const pass = doc.getIn(['judge', 'pass_answer'], true);
  if (isScalar(pass)) pass.type = 'QUOTE_SINGLE';
  // Short lists on one line, as the hand-written scenarios have them.
  for (const path of [['tags'], ['judge', 'steps']]) {
    const list = doc.getIn(path, true);
    if (isSeq(list)) list.flow = true;
  }
  return Buffer.from(`# yaml-language-server: $schema=${schemaRef}\n${doc.toString({ lineWidth: 0 })}`);
}
