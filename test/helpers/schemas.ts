import type { Scenario } from '../../engine/scenario/scenario.js';
import { semanticChecks } from '../../engine/scenario/semantic-checks.js';
import { validatorFor, validatorForDef, type SchemaName } from '../../engine/schemas/compile.js';

/** What a schema, or one of its `$defs`, finds wrong with a value: one short line each, none when it is valid. */
export function schemaErrors(name: SchemaName, value: unknown, def?: string): string[] {
  const validate = def ? validatorForDef(name, def) : validatorFor(name);
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/**
 * What validation finds wrong with a scenario a test builds: its schema, then the checks no
 * schema can state. Checked on a copy, because ajv fills in defaults as it validates.
 */
export function scenarioErrors(scenario: Scenario): string[] {
  const copy = structuredClone(scenario);
  return [...schemaErrors('scenario', copy), ...semanticChecks(copy).map((p) => `${p.pointer} ${p.message}`)];
}
