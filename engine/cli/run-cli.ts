import { CommanderError } from 'commander';
import { DriftbenchError, isSystemError, StorageError, UsageError } from '../errors.js';
import { buildProgram, type CliDeps, type CliResult } from './program.js';

/**
 * The CLI's one catch (STYLE.md section 4): known errors become clear lines and an exit code;
 * anything else is a bug and is re-thrown with its stack. Returns the exit code.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const result: CliResult = { exitCode: 0 };
  const program = buildProgram(deps, result);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; every other parse failure is bad input: 2.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof DriftbenchError) {
      for (const line of e.lines()) deps.output.err(line);
      const cause = e.cause;
      if (typeof cause === 'string') deps.output.err(cause);
      // A usage error points to the help of the command it came from, as commander's own do.
      if (e instanceof UsageError) deps.output.err(`see: ${result.command ?? 'driftbench'} --help`);
      return e.exitCode;
    }
    // A file system failure (a full disk, a permission, a read-only mount) is not a bug in
    // driftbench: one line and exit 2, like the named errors, never a stack trace.
    if (isSystemError(e)) {
      deps.output.err(StorageError.ofSystemError(e).message);
      return 2;
    }
    throw e;
  }
}
