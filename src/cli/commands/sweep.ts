import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { Connection } from '../../client/index.js';
import type { StartSweepRequest } from '../../generated/proto/gradnoise/v1/StartSweepRequest.js';
import type { Sweep__Output } from '../../generated/proto/gradnoise/v1/Sweep.js';
import type { CommandContext } from '../context.js';
import { type CliIo, printJson } from '../io.js';
import { addObjectiveOptions, type ObjectiveOptions, objectiveFromFlags } from '../objective-flags.js';
import { printReport } from '../report-table.js';
import {
  addRunOptions,
  integerFlag,
  labelMap,
  type RunOptions,
  repeatable,
  resolveRunRequest,
  splitPair,
} from '../run-request.js';
import { addSearchOptions, type SearchOptions, searchFromFlags } from '../search-flags.js';
import { registerSweepManageCommands } from './sweep-manage.js';
import { registerSweepReportCommands } from './sweep-report.js';

interface SweepStartOptions extends RunOptions, ObjectiveOptions, SearchOptions {
  readonly name: string;
  readonly axis: readonly string[];
  readonly seeds: string;
  readonly compareNoise: boolean;
  readonly label: readonly string[];
  readonly requestId?: string;
  readonly watch: boolean;
  readonly pollMs: string;
}

/** `gradnoise sweep start|watch|report|runs|plot|list|cancel` (report, runs, plot: `sweep-report.ts`). */
export function registerSweepCommands(program: Command, ctx: CommandContext): void {
  const sweep = program
    .command('sweep')
    .description('grids or random searches of runs × seeds with and without noise, and their report');

  const start = addRunOptions(
    sweep.command('start').description('queue a sweep: every cell of the grid × seeds × {no noise, noise}'),
    'first seed; the seeds are s, s+1, ..., s+seeds-1 (default: 0)',
  )
    .option('--name <name>', 'name of the sweep', '')
    .option(
      '--axis <field=v1,v2>',
      'an axis of the grid, e.g. optimizer.learning_rate=0.1,0.01 (repeatable)',
      repeatable,
      [],
    )
    .option('--seeds <n>', 'seeds per cell and arm', '1')
    .option(
      '--no-compare-noise',
      'run each cell once as configured instead of with and without noise (default: compare both arms)',
    );
  addSearchOptions(start);
  addObjectiveOptions(start, {
    metric: 'objective metric of the report',
    metricDefault: 'test_accuracy',
    mode: 'whether larger is better (default: min for *loss/*error metrics, else max)',
    threshold: 'count the runs reaching x (repeatable, e.g. 0.01 0.02 for error rates; default: none)',
  })
    .option('--label <k=v>', 'label of the sweep and its runs (repeatable)', repeatable, [])
    .option('--request-id <id>', 'idempotency key: a retry returns the first sweep (default: none)')
    .option('--watch', 'wait until every run ended, then print the report', false)
    .option('--poll-ms <ms>', 'how often --watch asks for progress', '1000')
    .action(async (_: unknown, command: Command) => {
      const options = ctx.options<SweepStartOptions>(command);
      const conn = ctx.connection(command);
      const started = await conn.sweeps.startSweep(await sweepRequest(conn, options));
      if (options.watch) {
        if (!options.json)
          ctx.io.stderr.write(`sweep ${started.id} queued ${started.counts?.total ?? 0} runs\n`);
        await showWhenDone(
          conn,
          started.id,
          ctx.io,
          options.json,
          integerFlag('--poll-ms', options.pollMs, 1, 3_600_000),
        );
      } else if (options.json) printJson(ctx.io, started);
      else ctx.io.stdout.write(`${started.id}\n`);
    });

  sweep
    .command('watch <id>')
    .description('wait until every run of the sweep ended, then print the report')
    .option('--poll-ms <ms>', 'how often to ask for progress', '1000')
    .action(async (id: string, _: unknown, command: Command) => {
      const options = ctx.options<{ pollMs: string }>(command);
      await showWhenDone(
        ctx.connection(command),
        id,
        ctx.io,
        options.json,
        integerFlag('--poll-ms', options.pollMs, 1, 3_600_000),
      );
    });

  registerSweepReportCommands(sweep, ctx);
  registerSweepManageCommands(sweep, ctx);
}

async function sweepRequest(conn: Connection, options: SweepStartOptions): Promise<StartSweepRequest> {
  const { axes: sampled, ...search } = searchFromFlags(options);
  return {
    name: options.name,
    base: await resolveRunRequest(conn, options),
    axes: [
      ...options.axis.map((axis) => {
        const [field, values] = splitPair('--axis', axis);
        return { field, values: values.split(',') };
      }),
      ...sampled,
    ],
    ...search,
    seeds: integerFlag('--seeds', options.seeds, 1, 1000),
    compareNoise: options.compareNoise,
    objective: objectiveFromFlags(options),
    labels: labelMap(options.label),
    requestId: options.requestId ?? '',
  };
}

/** Polls GetSweep (a progress bar of ended runs on a terminal) until done, then prints the report. */
async function showWhenDone(
  conn: Connection,
  id: string,
  io: CliIo,
  json: boolean,
  pollMs: number,
): Promise<void> {
  let sweep: Sweep__Output = await conn.sweeps.getSweep({ sweepId: id });
  const total = sweep.counts?.total ?? 0;
  const bar =
    io.stderr.isTTY === true && !json
      ? new cliProgress.SingleBar(
          {
            stream: io.stderr,
            format: `sweep ${id.slice(0, 8)} {bar} {value}/{total} runs ended | {failed} failed`,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  const ended = (s: Sweep__Output) =>
    (s.counts?.completed ?? 0) +
    (s.counts?.failed ?? 0) +
    (s.counts?.cancelled ?? 0) +
    (s.counts?.stoppedEarly ?? 0);
  bar?.start(total, ended(sweep), { failed: sweep.counts?.failed ?? 0 });
  try {
    while (!sweep.done) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(50, pollMs)));
      sweep = await conn.sweeps.getSweep({ sweepId: id });
      bar?.update(ended(sweep), { failed: sweep.counts?.failed ?? 0 });
    }
  } finally {
    bar?.stop();
  }
  if (json) printJson(io, sweep);
  else printReport(io, sweep);
}
