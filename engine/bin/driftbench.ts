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
    const int = () => handler('SIGINT');
    const term = () => handler('SIGTERM');
    process.on('SIGINT', int);
    process.on('SIGTERM', term);
    return () => {
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
    };
  },
});
