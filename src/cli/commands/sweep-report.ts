import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Connection } from '../../client/index.js';
import type { SweepRun__Output } from '../../generated/proto/gradnoise/v1/SweepRun.js';
import { runStatusLabel } from '../../protocol/index.js';
import type { CommandContext } from '../context.js';
import { EXIT, printJson, printTable } from '../io.js';
import {
  addObjectiveOptions,
  addSelectionOptions,
  hasObjectiveFlags,
  type ObjectiveOptions,
  objectiveFromFlags,
  type SelectionOptions,
  selectionFromFlags,
} from '../objective-flags.js';
import { renderCurvesSvg } from '../plot.js';
import { printReport } from '../report-table.js';

/** `gradnoise sweep report|runs|plot`, registered on the `sweep` command: reading a sweep's results. */
export function registerSweepReportCommands(sweep: Command, ctx: CommandContext): void {
  const report = sweep
    .command('report <id>')
    .description(
      'the paper-style table: per cell and arm, runs, best and average objective, threshold counts; ' +
        "--metric, --mode and --threshold compute it under another objective than the sweep's",
    );
  addSelectionOptions(report);
  addObjectiveOptions(report, {
    metric: "report under this metric instead (default: the sweep's objective metric)",
    mode: "whether larger is better (default: the sweep's mode for its own metric, else min for *loss/*error metrics, else max)",
    threshold:
      "count the runs reaching x (repeatable; default: the sweep's thresholds, none once --metric or --mode is given)",
  }).action(async (id: string, _: unknown, command: Command) => {
    const options = ctx.options<ObjectiveOptions & SelectionOptions>(command);
    const selection = selectionFromFlags(options);
    const found = await ctx.connection(command).sweeps.getSweep({
      sweepId: id,
      ...(hasObjectiveFlags(options) ? { objective: objectiveFromFlags(options) } : {}),
      ...(selection === undefined ? {} : { selection }),
    });
    if (options.json) printJson(ctx.io, found);
    else printReport(ctx.io, found);
  });

  sweep
    .command('runs <id>')
    .description('the runs of a sweep in grid order, with their cell, arm and seed')
    .action(async (id: string, _: unknown, command: Command) => {
      const { json } = ctx.options<object>(command);
      const runs = await allSweepRuns(ctx.connection(command), id);
      if (json) {
        printJson(ctx.io, { runs });
        return;
      }
      printTable(
        ctx.io,
        ['CELL', 'ARM', 'SEED', 'STATUS', 'STEP', 'RUN'],
        runs.map((r) => [
          r.cell,
          r.arm,
          r.seed,
          runStatusLabel(r.run?.status ?? ''),
          `${r.run?.currentStep ?? 0}/${r.run?.spec?.maxSteps ?? '?'}`,
          r.run?.id ?? '',
        ]),
      );
    });

  sweep
    .command('plot <id>')
    .description(
      "render the learning curves of both arms to SVG, mean over seeds per cell (the paper's Figure 2)",
    )
    .requiredOption('--out <file>', 'SVG file to write, e.g. curves.svg (required)')
    .option('--metric <name>', "metric to plot (default: the sweep's objective metric)")
    .action(async (id: string, _: unknown, command: Command) => {
      const options = ctx.options<{ out: string; metric?: string }>(command);
      const conn = ctx.connection(command);
      const curves = await conn.sweeps.getSweepCurves({ sweepId: id, metric: options.metric ?? '' });
      if (curves.curves.length === 0) {
        ctx.io.stderr.write(`error: sweep ${id} has no points of ${curves.metric} yet\n`);
        ctx.exit(EXIT.error);
        return;
      }
      const found = await conn.sweeps.getSweep({ sweepId: id });
      const title = `${found.name || `sweep ${id.slice(0, 8)}`}: ${curves.metric}, mean over seeds (band: min to max)`;
      await writeFile(options.out, await renderCurvesSvg(curves, title));
      if (options.json)
        printJson(ctx.io, { out: options.out, metric: curves.metric, curves: curves.curves.length });
      else ctx.io.stdout.write(`wrote ${options.out}: ${curves.curves.length} curves of ${curves.metric}\n`);
    });
}

async function allSweepRuns(conn: Connection, sweepId: string): Promise<SweepRun__Output[]> {
  const runs: SweepRun__Output[] = [];
  let pageToken = '';
  do {
    const page = await conn.sweeps.listSweepRuns({ sweepId, pageSize: 1000, pageToken });
    runs.push(...page.runs);
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return runs;
}
