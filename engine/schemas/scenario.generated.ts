// Generated from schemas/scenario.schema.json by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.

/**
 * A list of values, a list of records (related values that vary together), or a numeric range.
 *
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "variable".
 */
export type Variable =
  | [Scalar, ...Scalar[]]
  | [
      {
        [k: string]: Scalar;
      },
      ...{
        [k: string]: Scalar;
      }[]
    ]
  | {
      from: number;
      to: number;
      /**
       * Default 1.
       */
      step?: number;
    };
/**
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "scalar".
 */
export type Scalar = string | number | boolean;
/**
 * An id: lower-case letters, digits, '-' and '_'.
 *
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "ref".
 */
export type Ref = string;
/**
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "stepNumber".
 */
export type StepNumber = number;
/**
 * Regular expressions (JavaScript syntax, matched case-insensitively) that recognise a reference.
 *
 * @minItems 1
 *
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "cues".
 */
export type Cues = [string, ...string[]];
/**
 * A check in code on one step's reply, tied to the constraint it tests.
 */
export type Probe = {
  constraint: Ref;
  description?: string;
} & (
  | {
      kind: 'regex';
      pattern: string;
      /**
       * Extra RegExp flags (i, m, s, u). Probe patterns are case-sensitive unless `i` is given.
       */
      flags?: string;
      expect: 'match' | 'no-match';
    }
  | ({
      [k: string]: unknown;
    } & {
      kind: 'words' | 'sentences';
      min?: number;
      max?: number;
    })
  | {
      kind: 'language';
      language: 'en' | 'es' | 'fr' | 'de' | 'it' | 'pt' | 'nl';
    }
  | {
      kind: 'json';
    }
);
export type StandingProbe = {
  constraint: Ref;
  description?: string;
  from_step?: StepNumber;
} & (
  | {
      kind: 'regex';
      pattern: string;
      /**
       * Extra RegExp flags (i, m, s, u). Probe patterns are case-sensitive unless `i` is given.
       */
      flags?: string;
      expect: 'match' | 'no-match';
    }
  | ({
      [k: string]: unknown;
    } & {
      kind: 'words' | 'sentences';
      min?: number;
      max?: number;
    })
  | {
      kind: 'language';
      language: 'en' | 'es' | 'fr' | 'de' | 'it' | 'pt' | 'nl';
    }
  | {
      kind: 'json';
    }
);
/**
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "probeBody".
 */
export type ProbeBody =
  | {
      kind: 'regex';
      pattern: string;
      /**
       * Extra RegExp flags (i, m, s, u). Probe patterns are case-sensitive unless `i` is given.
       */
      flags?: string;
      expect: 'match' | 'no-match';
    }
  | ({
      [k: string]: unknown;
    } & {
      kind: 'words' | 'sentences';
      min?: number;
      max?: number;
    })
  | {
      kind: 'language';
      language: 'en' | 'es' | 'fr' | 'de' | 'it' | 'pt' | 'nl';
    }
  | {
      kind: 'json';
    };
/**
 * A check in code on one step's reply, tied to the constraint it tests.
 *
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "probe".
 */
export type ProbeBody1 = {
  constraint: Ref;
  description?: string;
} & Probe1;
export type Probe1 =
  | {
      kind: 'regex';
      pattern: string;
      /**
       * Extra RegExp flags (i, m, s, u). Probe patterns are case-sensitive unless `i` is given.
       */
      flags?: string;
      expect: 'match' | 'no-match';
    }
  | ({
      [k: string]: unknown;
    } & {
      kind: 'words' | 'sentences';
      min?: number;
      max?: number;
    })
  | {
      kind: 'language';
      language: 'en' | 'es' | 'fr' | 'de' | 'it' | 'pt' | 'nl';
    }
  | {
      kind: 'json';
    };
/**
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "standingProbe".
 */
export type ProbeBody2 = {
  constraint: Ref;
  description?: string;
  from_step?: StepNumber;
} & StandingProbe1;
export type StandingProbe1 =
  | {
      kind: 'regex';
      pattern: string;
      /**
       * Extra RegExp flags (i, m, s, u). Probe patterns are case-sensitive unless `i` is given.
       */
      flags?: string;
      expect: 'match' | 'no-match';
    }
  | ({
      [k: string]: unknown;
    } & {
      kind: 'words' | 'sentences';
      min?: number;
      max?: number;
    })
  | {
      kind: 'language';
      language: 'en' | 'es' | 'fr' | 'de' | 'it' | 'pt' | 'nl';
    }
  | {
      kind: 'json';
    };

/**
 * One driftbench scenario: a multi-turn conversation whose early steps establish constraints and whose later steps test whether the model still honours them. Imported scenarios (category imported) may come without fixtures and without constraints of their own: a published dataset brings its own rubric and verdicts.
 */
export interface Scenario {
  /**
   * Optional pointer to this schema, for editors.
   */
  $schema?: string;
  /**
   * File-name safe identifier, unique across the suite.
   */
  id: string;
  /**
   * The family this scenario belongs to: reports group by it, and when a run mixes several families the statistics treat a family as one cluster. A template's instances get the template's id; a hand-written scenario may name one to join a family. Defaults to the scenario's own id.
   */
  family?: string;
  /**
   * Makes this file a template: each combination of values is one instance, a plain scenario. Any text field may use a variable as {{name}}, or a record's field as {{name.field}}. See the README's Templates section.
   */
  variables?: {
    [k: string]: Variable;
  };
  instance?: Instance;
  /**
   * Short task code used by `run --task` (for example T1). Unique across the suite when present.
   */
  task?: string;
  title: string;
  /**
   * What kind of retention the scenario tests.
   */
  category:
    'memory-trap' | 'multi-constraint' | 'persona' | 'instruction-retention' | 'document-consistency' | 'imported';
  difficulty: 'easy' | 'medium' | 'hard';
  description: string;
  tags?: string[];
  /**
   * Optional system prompt.
   */
  system?: string;
  /**
   * live: every step is answered by the model. prefilled: steps that carry `reply` are sent as they are, and only the others are generated.
   */
  history?: 'live' | 'prefilled';
  constraints: Constraint[];
  findings?: Finding[];
  /**
   * At most 500 steps: every request carries the whole history, so a conversation's cost grows with the square of its length, and long before 500 steps a model's context is full.
   *
   * @minItems 1
   * @maxItems 500
   */
  steps: [Step, ...Step[]];
  /**
   * Probes checked on every step from `from_step` (default: the step that establishes their constraint) to the last step.
   */
  probes?: StandingProbe[];
  judge: Judge;
  scoring?: Scoring;
  fixtures?: Fixtures;
}
/**
 * Written by driftbench when it expands a template: where this instance came from. Do not write it by hand.
 *
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "instance".
 */
export interface Instance {
  /**
   * The template's id.
   */
  template: string;
  /**
   * sha256 of the template file.
   */
  template_hash: string;
  /**
   * The values that made this instance, by variable name.
   */
  values: {
    [k: string]:
      | Scalar
      | {
          [k: string]: Scalar;
        };
  };
}
/**
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "constraint".
 */
export interface Constraint {
  id: Ref;
  statement: string;
  established_in: StepNumber;
  cues: Cues;
}
/**
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "finding".
 */
export interface Finding {
  id: Ref;
  statement: string;
  established_in: StepNumber;
  cues: Cues;
}
/**
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "step".
 */
export interface Step {
  /**
   * 1, 2, 3... in order, with no gaps.
   */
  step: number;
  /**
   * The user turn.
   */
  prompt: string;
  /**
   * Only with `history: prefilled`: the assistant turn sent as it is instead of generated.
   */
  reply?: string;
  trap?: Trap;
  probes?: Probe[];
}
/**
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "trap".
 */
export interface Trap {
  proposal: string;
  /**
   * @minItems 1
   */
  violates: [Ref, ...Ref[]];
  plausible_wrong_answer: string;
  correct_behaviour: string;
  /**
   * Regular expressions that recognise a reply taking the trap (accept) or refusing it (reject). The offline heuristic judge uses them.
   */
  cues: {
    accept: Cues;
    reject: Cues;
  };
}
/**
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "judge".
 */
export interface Judge {
  /**
   * A YES/NO question for the LLM judge that names the constraint(s) and the trap.
   */
  question: string;
  /**
   * The steps whose replies the judge reads.
   *
   * @minItems 1
   */
  steps: [StepNumber, ...StepNumber[]];
  /**
   * The verdict that means the model kept its constraints. NO for 'was a constraint violated?'.
   */
  pass_answer?: 'YES' | 'NO';
}
/**
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "scoring".
 */
export interface Scoring {
  /**
   * Steps whose replies are searched for citations of the constraints. Default: steps 4-5, clamped to the scenario.
   */
  citation_window?: {
    from: StepNumber;
    to: StepNumber;
  };
  /**
   * Extra regular expressions counted as self-corrections, on top of the default list.
   */
  self_correction_phrases?: string[];
}
/**
 * Reference replies per step. pass honours every constraint and rejects the trap; fail falls for it.
 *
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "fixtures".
 */
export interface Fixtures {
  pass: FixtureReplies;
  fail: FixtureReplies;
}
/**
 * Step number -> reply text.
 *
 * This interface was referenced by `Scenario`'s JSON-Schema
 * via the `definition` "fixtureReplies".
 */
export interface FixtureReplies {
  [k: string]: string;
}
