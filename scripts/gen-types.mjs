// Generates engine/schemas/*.generated.ts from schemas/*.schema.json, so the engine's types
// come from the schemas and never from a hand-kept twin (STYLE.md section 3).
// Usage: node scripts/gen-types.mjs [--check]   (--check exits 1 when a generated file is stale)
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const file of readdirSync(join(root, 'schemas'))
  .filter((f) => f.endsWith('.schema.json'))
  .sort()) {
  const schema = JSON.parse(readFileSync(join(root, 'schemas', file), 'utf8'));
  const name = file.replace('.schema.json', '');
  const ts = await compile(schema, schema.title ?? name, {
    bannerComment: `// Generated from schemas/${file} by scripts/gen-types.mjs. Do not edit: change the schema and run npm run gen:types.`,
    additionalProperties: false,
    unreachableDefinitions: true,
    style: { singleQuote: true },
    cwd: join(root, 'schemas'),
  });
  const out = join(root, 'engine', 'schemas', `${name}.generated.ts`);
  const current = existsSync(out) ? readFileSync(out, 'utf8') : '';
  if (current === ts) continue;
  if (check) {
    console.error(`stale: ${out} does not match schemas/${file}; run npm run gen:types`);
    stale++;
  } else {
    writeFileSync(out, ts);
    console.log(`wrote ${out}`);
  }
}
process.exitCode = stale ? 1 : 0;
