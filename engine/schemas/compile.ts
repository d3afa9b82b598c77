import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { packageRoot } from '../paths.js';

// ajv ships CommonJS with `exports.default`; under NodeNext the default import is the
// module object, so take `.default` when it is there.
// https://github.com/ajv-validator/ajv/issues/2132
type AjvClass = typeof Ajv2020Module.default;
const Ajv2020: AjvClass = (Ajv2020Module as unknown as { default: AjvClass }).default ?? (Ajv2020Module as unknown as AjvClass);

export type SchemaName =
  | 'scenario'
  | 'transcript'
  | 'manifest'
  | 'model-profiles'
  | 'matrix'
  | 'scores'
  | 'report'
  | 'diff'
  | 'run-diff'
  | 'distractors'
  | 'labels'
  | 'calibration';
export type { ErrorObject };

const compiled = new Map<SchemaName, ValidateFunction>();
let ajv: InstanceType<AjvClass> | undefined;

export function loadSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(join(packageRoot(), 'schemas', `${name}.schema.json`), 'utf8')) as Record<string, unknown>;
}

/** Each schema is compiled once per process (STYLE.md section 3). */
export function validatorFor<T>(name: SchemaName): ValidateFunction<T> {
  let v = compiled.get(name);
  if (v === undefined) {
    const fresh = schemas().getSchema(idOf(name));
    if (!fresh) throw new Error(`schemas/${name}.schema.json has no $id`);
    compiled.set(name, fresh);
    v = fresh;
  }
  return v as ValidateFunction<T>;
}

const SCHEMA_NAMES: readonly SchemaName[] = [
  'scenario',
  'transcript',
  'manifest',
  'model-profiles',
  'matrix',
  'scores',
  'report',
  'diff',
  'run-diff',
  'distractors',
  'labels',
  'calibration',
];

/**
 * One ajv with every schema added (compiled only when first used), so that a schema may refer to
 * another by its $id: the manifest records resolved models in model-profiles' own shape.
 */
function schemas(): InstanceType<AjvClass> {
  if (ajv) return ajv;
  // verbose: errors carry parentSchema, whose description turns into a readable hint.
  ajv = new Ajv2020({ allErrors: true, verbose: true, discriminator: true, strict: true, strictRequired: false, useDefaults: true, validateFormats: false });
  for (const n of SCHEMA_NAMES) ajv.addSchema(loadSchema(n));
  return ajv;
}

let coercing: InstanceType<AjvClass> | undefined;

/**
 * A validator that also coerces scalars to the type the schema wants, in place: a template's
 * filled-in value "80" becomes the number a probe's `max` needs, and 200 the string a cue needs.
 * Only template instances are checked this way; a hand-written scenario keeps the strict check.
 * https://ajv.js.org/coercion.html
 */
export function coercingValidatorFor<T>(name: SchemaName): ValidateFunction<T> {
  if (!coercing) {
    coercing = new Ajv2020({
      allErrors: true,
      verbose: true,
      discriminator: true,
      strict: true,
      strictRequired: false,
      useDefaults: true,
      validateFormats: false,
      coerceTypes: true,
    });
    for (const n of SCHEMA_NAMES) coercing.addSchema(loadSchema(n));
  }
  const v = coercing.getSchema(idOf(name));
  if (!v) throw new Error(`schemas/${name}.schema.json has no $id`);
  return v as ValidateFunction<T>;
}

const idOf = (name: SchemaName) => (loadSchema(name) as { $id: string }).$id;

/**
 * A validator for one definition inside a schema (for example a single conversation's score),
 * so large files can be checked piece by piece as they are streamed.
 */
export function validatorForDef<T>(name: SchemaName, def: string): ValidateFunction<T> {
  const v = schemas().getSchema(`${idOf(name)}#/$defs/${def}`);
  if (!v) throw new Error(`schemas/${name}.schema.json has no $defs/${def}`);
  return v as ValidateFunction<T>;
}
