import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'vitest';
import { readJsonl } from '../../engine/import/jsonl.js';

it('scratch', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'scr-'));
  const file = join(dir, 'big.jsonl');
  const w = createWriteStream(file);
  const filler = 'x'.repeat(4000);
  for (let i = 0; i < 20000; i++) if (!w.write(JSON.stringify({ i, filler }) + '\n')) await once(w, 'drain');
  w.end(); await once(w, 'finish');
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  const before = process.memoryUsage().heapUsed;
  let n = 0;
  for await (const r of readJsonl(file)) {
    n++;
    if (n % 2000 === 0) { gc(); console.log(n, ((process.memoryUsage().heapUsed - before) / 1048576).toFixed(1)); }
    await sleep(0);
  }
}, 120000);
