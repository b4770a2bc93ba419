import type { Command } from 'commander';
import { invalidArgument } from '../../core/index.js';
import type { CommandContext } from '../context.js';
import { labelsText, printJson } from '../io.js';
import { labelMap, repeatable } from '../run-request.js';

interface UpdateOptions {
  readonly name?: string;
  readonly label: string[];
  readonly removeLabel: string[];
}

/**
 * The UpdateRunRequest the flags ask for: one mask path per flag, so labels the flags do not name
 * are left as they are (`labels.<key>` paths, never the whole map).
 */
export function updateRequest(id: string, options: UpdateOptions) {
  const labels = labelMap(options.label);
  for (const key of options.removeLabel) {
    if (Object.hasOwn(labels, key))
      throw invalidArgument('--remove-label', key, 'a key that --label does not also set');
  }
  const paths = [
    ...(options.name !== undefined ? ['display_name'] : []),
    ...[...Object.keys(labels), ...options.removeLabel].map((key) => `labels.${key}`),
  ];
  if (paths.length === 0) {
    throw invalidArgument('options', 'none', 'at least one of --name, --label, --remove-label');
  }
  return { runId: id, displayName: options.name ?? '', labels, updateMask: { paths } };
}

/** `gradnoise run update|delete`, registered on the `run` command. */
export function registerRunManageCommands(run: Command, ctx: CommandContext): void {
  run
    .command('update <id>')
    .description("change a run's display name and labels (any status); labels not named stay as they are")
    .option('--name <text>', 'new display name, at most 128 characters; "" clears it (default: unchanged)')
    .option('--label <k=v>', 'set this label (repeatable; default: none)', repeatable, [])
    .option('--remove-label <k>', 'remove this label (repeatable; default: none)', repeatable, [])
    .action(async (id: string, _: unknown, command: Command) => {
      const options = ctx.options<UpdateOptions>(command);
      const updated = await ctx.connection(command).training.updateRun(updateRequest(id, options));
      if (options.json) {
        printJson(ctx.io, updated);
        return;
      }
      const labels = labelsText(updated.labels);
      ctx.io.stdout.write(
        `run ${updated.id} updated: name ${JSON.stringify(updated.displayName)}, labels ${labels || '-'}\n`,
      );
    });

  run
    .command('delete <id>')
    .description(
      'delete a finished run (completed, failed or cancelled) with its metric points and checkpoints; ' +
        "a sweep's runs cannot be deleted",
    )
    .action(async (id: string, _: unknown, command: Command) => {
      const { json } = ctx.options<object>(command);
      const deleted = await ctx.connection(command).training.deleteRun({ runId: id });
      if (json) {
        printJson(ctx.io, deleted);
        return;
      }
      ctx.io.stdout.write(
        `run ${deleted.run?.id ?? id} deleted: ${deleted.metricPointsDeleted} metric points, ` +
          `${deleted.checkpointsDeleted} checkpoints (${deleted.checkpointBytesDeleted} bytes)\n`,
      );
    });
}
