// Preloaded into a benchmarked CLI process: writes its peak resident memory (KiB) at exit.
import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  if (process.env.DRIFTBENCH_RSS_FILE) writeFileSync(process.env.DRIFTBENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
