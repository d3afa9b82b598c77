#!/usr/bin/env node
import { runCli } from '../cli/run-cli.js';
import { processOutput } from '../cli/output.js';

process.exitCode = await runCli(process.argv.slice(2), {
  output: processOutput(),
  cwd: process.cwd(),
  env: process.env,
  now: Date.now,
  progressStream: process.stderr,
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    return () => void process.off('SIGINT', handler);
  },
});
