import type { Command } from 'commander';
import { invalidArgument } from '../../core/index.js';
import type { SweepState } from '../../generated/proto/gradnoise/v1/SweepState.js';
import type { CommandContext } from '../context.js';
import { labelsText, printJson, time } from '../io.js';
import { pageRequest, printPage } from '../paging.js';
import { labelMap, repeatable } from '../run-request.js';

const STATES: Readonly<Record<string, SweepState>> = {
  active: 'SWEEP_STATE_ACTIVE',
  done: 'SWEEP_STATE_DONE',
};

/** The `--state` flag as a SweepState; INVALID_ARGUMENT naming the flag otherwise. */
function stateFlag(text: string | undefined): SweepState {
  if (text === undefined) return 'SWEEP_STATE_UNSPECIFIED';
  const state = STATES[text.toLowerCase()];
  if (state === undefined) throw invalidArgument('--state', text, `one of ${Object.keys(STATES).join(', ')}`);
  return state;
}

const stateName = (state: string) => state.replace(/^SWEEP_STATE_/, '').toLowerCase();

/** `gradnoise sweep list|cancel`, registered on the `sweep` command. */
export function registerSweepManageCommands(sweep: Command, ctx: CommandContext): void {
  sweep
    .command('list')
    .description("list the project's sweeps, newest first, with their state and run counts")
    .option(
      '--label <k=v>',
      'only sweeps with this label of their own (repeatable; default: any)',
      repeatable,
      [],
    )
    .option(
      '--state <state>',
      'only sweeps in this state: active (runs queued or running) or done (default: any)',
    )
    .option('--page-size <n>', 'sweeps per page, 1-1000', '50')
    .option('--page-token <token>', 'next_page_token of the previous page (default: the first page)')
    .action(async (_: unknown, command: Command) => {
      const options = ctx.options<{ label: string[]; state?: string; pageSize: string; pageToken?: string }>(
        command,
      );
      const page = await ctx.connection(command).sweeps.listSweeps({
        labels: labelMap(options.label),
        state: stateFlag(options.state),
        ...pageRequest(options),
      });
      printPage(
        ctx.io,
        options.json,
        page,
        ['ID', 'NAME', 'STATE', 'ENDED', 'FAILED', 'CREATED', 'LABELS'],
        (p) =>
          p.sweeps.map((s) => {
            const counts = s.counts;
            const ended =
              (counts?.completed ?? 0) +
              (counts?.failed ?? 0) +
              (counts?.cancelled ?? 0) +
              (counts?.stoppedEarly ?? 0);
            return [
              s.id,
              s.name,
              stateName(s.state),
              `${ended}/${counts?.total ?? 0}`,
              String(counts?.failed ?? 0),
              time(s.createdAt),
              labelsText(s.labels),
            ];
          }),
      );
    });

  sweep
    .command('cancel <id>')
    .description(
      'cancel every unfinished run of the sweep: queued runs at once, running ones after a final checkpoint; ' +
        'cancelling again changes nothing',
    )
    .action(async (id: string, _: unknown, command: Command) => {
      const { json } = ctx.options<object>(command);
      const result = await ctx.connection(command).sweeps.cancelSweep({ sweepId: id });
      if (json) {
        printJson(ctx.io, result);
        return;
      }
      ctx.io.stdout.write(
        `sweep ${result.sweepId}: ${result.cancelled} queued runs cancelled, ${result.stopping} running runs ` +
          `stopping after a final checkpoint; ${stateName(result.state)}\n`,
      );
    });
}
