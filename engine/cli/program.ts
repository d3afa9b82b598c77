import { Command, Option } from 'commander';
import { engineVersion } from '../paths.js';
import { listCommand } from './commands/list.js';
import { validateCommand } from './commands/validate.js';
import { createLogger, LOG_LEVELS, type LogFormat, type LogLevel, type Logger } from './logger.js';
import type { Output } from './output.js';

/** The side effects a CLI invocation may use. Tests pass their own. */
export interface CliDeps {
  output: Output;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => number;
  /** Built from --log-format / --log-level once options are parsed. */
  makeLogger?: (format: LogFormat, level: LogLevel) => Logger;
}

const DEFAULT_SCENARIOS = ['scenarios'];

/** bin only parses arguments: each action hands plain options and deps to a command function. */
export function buildProgram(deps: CliDeps): Command {
  const program = new Command('driftbench')
    .description('Finds out whether a language model keeps, late in a conversation, what it established early.')
    .version(engineVersion(), '-V, --version')
    .addOption(new Option('--log-format <format>', 'log lines: pretty on a terminal, json when piped').choices(['auto', 'pretty', 'json']).default('auto'))
    .addOption(new Option('--log-level <level>', 'log level').choices([...LOG_LEVELS]).default('info'))
    .showHelpAfterError('(run driftbench --help for usage)')
    .configureOutput({ writeOut: (s) => deps.output.out(s.replace(/\n$/, '')), writeErr: (s) => deps.output.err(s.replace(/\n$/, '')) })
    .exitOverride();

  const logger = (): Logger => {
    const o = program.opts<{ logFormat: LogFormat; logLevel: LogLevel }>();
    return (deps.makeLogger ?? ((format, level) => createLogger({ format, level, color: deps.output.color })))(o.logFormat, o.logLevel);
  };

  program
    .command('validate')
    .description('check scenario files against the schema and each other; exit 2 on any problem')
    .argument('[paths...]', 'scenario files or folders', DEFAULT_SCENARIOS)
    .action(async (paths: string[]) => {
      logger().debug({ paths }, 'validate');
      await validateCommand({ paths }, deps);
    });

  program
    .command('list')
    .description('list scenarios: id, title, category, steps, constraints, trap step')
    .argument('[paths...]', 'scenario files or folders', DEFAULT_SCENARIOS)
    .action(async (paths: string[]) => {
      await listCommand({ paths }, deps);
    });

  return program;
}
