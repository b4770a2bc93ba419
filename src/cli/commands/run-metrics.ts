import type { Command } from 'commander';
import type { Connection } from '../../client/index.js';
import type { MetricSummary__Output } from '../../generated/proto/gradnoise/v1/MetricSummary.js';
import type { StepValue__Output } from '../../generated/proto/gradnoise/v1/StepValue.js';
import type { CommandContext } from '../context.js';
import { printJson, printTable } from '../io.js';
import { integerFlag } from '../run-request.js';

const MAX_STEP = 2 ** 31 - 1;

interface Point {
  readonly step: number;
  readonly name: string;
  readonly value: number;
}

/** `gradnoise run metrics` (streamed, or the stored points only) and `gradnoise run summary`. */
export function registerRunMetricsCommands(run: Command, ctx: CommandContext): void {
  run
    .command('metrics <id>')
    .description(
      "print a run's stored metric points in (step, name) order; a run still training is followed to its end unless --no-follow",
    )
    .option('--names <a,b>', 'only these metric names, comma-separated (default: all)')
    .option('--since-step <n>', 'only points after this step (default: 0, all)', '0')
    .option(
      '--no-follow',
      'print only the points stored now (GetRunMetrics, page by page) and exit, even while the run trains (default: follow)',
    )
    .action(async (id: string, _: unknown, command: Command) => {
      const options = ctx.options<{ names?: string; sinceStep: string; follow: boolean }>(command);
      const names = nameList(options.names);
      const sinceStep = integerFlag('--since-step', options.sinceStep, 0, Number.MAX_SAFE_INTEGER);
      const conn = ctx.connection(command);
      const { points, status } = options.follow
        ? await streamPoints(conn, id, sinceStep, names)
        : await storedPoints(conn, id, sinceStep, names);
      if (options.json) printJson(ctx.io, { runId: id, status, points });
      else
        printTable(
          ctx.io,
          ['STEP', 'NAME', 'VALUE'],
          points.map((p) => [String(p.step), p.name, String(p.value)]),
        );
    });

  run
    .command('summary <id>')
    .description(
      'per metric of a run: points stored, the last value, and the finite min and max with their steps (answers at once, even while the run trains)',
    )
    .option('--names <a,b>', 'only these metric names, comma-separated (default: all)')
    .action(async (id: string, _: unknown, command: Command) => {
      const options = ctx.options<{ names?: string }>(command);
      // One point is the smallest page; the summaries come with every page.
      const page = await ctx
        .connection(command)
        .training.getRunMetrics({ runId: id, names: nameList(options.names), pageSize: 1 });
      if (options.json) {
        printJson(ctx.io, { runId: id, status: page.status, summaries: page.summaries });
        return;
      }
      printTable(
        ctx.io,
        ['NAME', 'POINTS', 'NON-FINITE', 'LAST', 'LAST FINITE', 'MIN', 'MAX'],
        page.summaries.map((s: MetricSummary__Output) => [
          s.name,
          String(s.count),
          String(s.nonFiniteCount),
          at(s.last),
          at(s.lastFinite),
          at(s.min),
          at(s.max),
        ]),
      );
    });
}

/** `value @ step`, or `-` when unset. */
const at = (v: StepValue__Output | null): string => (v === null ? '-' : `${v.value} @ ${v.step}`);

const nameList = (text: string | undefined): string[] =>
  text === undefined ? [] : text.split(',').map((n) => n.trim());

/** StreamMetrics: the stored points, then live ones until the run ends. */
async function streamPoints(conn: Connection, runId: string, sinceStep: number, names: string[]) {
  const stream = conn.training.streamMetrics({ runId, sinceStep: String(sinceStep), names });
  const points: Point[] = [];
  let status = '';
  try {
    for await (const message of stream) {
      for (const p of message.points) points.push({ step: Number(p.step), name: p.name, value: p.value });
      status = message.status;
      if (message.final) break;
    }
  } finally {
    stream.cancel();
  }
  return { points, status };
}

/** GetRunMetrics, every page: the points stored when each page is read. */
async function storedPoints(conn: Connection, runId: string, sinceStep: number, names: string[]) {
  const points: Point[] = [];
  if (sinceStep >= MAX_STEP) return { points, status: (await conn.training.getRun({ runId })).status };
  let pageToken = '';
  let status = '';
  do {
    const page = await conn.training.getRunMetrics({
      runId,
      names,
      fromStep: String(sinceStep + 1),
      pageSize: 10_000,
      pageToken,
    });
    for (const p of page.points) points.push({ step: Number(p.step), name: p.name, value: p.value });
    status = page.status;
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return { points, status };
}
