import { Command, Option } from 'commander';
import { registerCheckpointCommands } from './commands/checkpoint.js';
import { registerRunCommands } from './commands/run.js';
import { registerSweepCommands } from './commands/sweep.js';
import { registerTrainerCommands } from './commands/trainers.js';
import type { CommandContext } from './context.js';
import { EXIT_CODES_HELP } from './io.js';

export const DEFAULT_TARGET = 'localhost:50051';

/**
 * The `gradnoise` command tree. Output goes through `ctx.io`; commander's own exits are turned into
 * exceptions (exitOverride) so `main` decides the exit code and tests can run it in-process.
 */
export function createProgram(ctx: CommandContext): Command {
  const env = ctx.io.env;
  const program = new Command('gradnoise')
    .description(
      'Client of the gradnoise service: training runs with annealed gradient noise, sweeps, reports',
    )
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
    })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addOption(
      new Option('--target <host:port>', 'server address (env GRADNOISE_TARGET)').default(
        env.GRADNOISE_TARGET || DEFAULT_TARGET,
      ),
    )
    .addOption(
      new Option(
        '--token <token>',
        'sent as "authorization: Bearer <token>" (env GRADNOISE_TOKEN; default: none)',
      ).default(env.GRADNOISE_TOKEN || undefined),
    )
    .option('--json', 'machine-readable output: one JSON document', false)
    .addHelpText('after', EXIT_CODES_HELP);
  registerRunCommands(program, ctx);
  registerCheckpointCommands(program, ctx);
  registerSweepCommands(program, ctx);
  registerTrainerCommands(program, ctx);
  return program;
}
