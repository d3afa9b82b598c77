import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { repoRoot, runBin } from '../helpers/cli.js';

describe('scripts/local-server.mjs', () => {
  it('--help prints the usage and exits 0', async () => {
    const r = await runBin(['--help'], { bin: join(repoRoot, 'scripts', 'local-server.mjs') });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: node scripts\/local-server\.mjs \[options\]/);
    expect(r.stderr).toBe('');
  });
});
