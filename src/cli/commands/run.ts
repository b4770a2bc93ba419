import type { Command } from 'commander';
import type { Run__Output } from '../../generated/proto/gradnoise/v1/Run.js';
import { RUN_STATUS_BY_WIRE_NAME, runStatusLabel, type WireRunStatus } from '../../protocol/index.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES_HELP, labelsText, printJson, printTable, time } from '../io.js';
import { pageRequest, printPage } from '../paging.js';
import { describeInitFrom, describeRetention, initFromFlags } from '../run-checkpoint-flags.js';
import { addRunOptions, labelMap, type RunOptions, repeatable, resolveRunRequest } from '../run-request.js';
import { watchRun } from '../watch-run.js';
import { registerRunManageCommands } from './run-manage.js';
import { registerRunMetricsCommands } from './run-metrics.js';

/** The statuses `run list --status` takes, from the protocol's own list so none is left out. */
const STATUSES = Object.values(RUN_STATUS_BY_WIRE_NAME).map((s) => s.toLowerCase());

/** `gradnoise run start|watch|get|list|metrics|summary|cancel|update|delete`. */
export function registerRunCommands(program: Command, ctx: CommandContext): void {
  const run = program.command('run').description('start, watch and manage training runs');

  addRunOptions(
    run.command('start').description('queue a training run'),
    'seed of every random stream (default: 0)',
  )
    .option('--label <k=v>', 'label of the run (repeatable; default: none)', repeatable, [])
    .option('--name <text>', 'display name of the run, at most 128 characters (default: none)')
    .option('--request-id <id>', 'idempotency key: a retry returns the first run (default: none)')
    .option(
      '--init-from <run[@step]>',
      "start from this run's checkpoint at step (default step: its latest); default: from scratch",
    )
    .option(
      '--init-mode <weights|full>',
      'with --init-from: weights (fine-tune: new optimizer, steps from 0) or full (fork: continue exactly) (default: weights)',
    )
    .option('--watch', 'follow the run to its end; exit with its status code', false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (_: unknown, command: Command) => {
      const options = ctx.options<
        RunOptions & {
          label: string[];
          name?: string;
          requestId?: string;
          initFrom?: string;
          initMode?: string;
          watch: boolean;
        }
      >(command);
      const conn = ctx.connection(command);
      const request = {
        ...(await resolveRunRequest(conn, options)),
        labels: labelMap(options.label),
        requestId: options.requestId ?? '',
        displayName: options.name ?? '',
        initFrom: initFromFlags(options.initFrom, options.initMode),
      };
      const started = await conn.training.startRun(request);
      if (options.watch) {
        if (!options.json) ctx.io.stderr.write(`run ${started.id} queued\n`);
        ctx.exit(await watchRun(conn, started.id, ctx.io, options.json));
      } else if (options.json) printJson(ctx.io, started);
      else ctx.io.stdout.write(`${started.id}\n`);
    });

  run
    .command('watch <id>')
    .description('progress bar with the live loss until the run ends; exits with its status code')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (id: string, _: unknown, command: Command) => {
      const { json } = ctx.options<object>(command);
      ctx.exit(await watchRun(ctx.connection(command), id, ctx.io, json));
    });

  run
    .command('get <id>')
    .description('show a run')
    .action(async (id: string, _: unknown, command: Command) => {
      const { json } = ctx.options<object>(command);
      const found = await ctx.connection(command).training.getRun({ runId: id });
      if (json) printJson(ctx.io, found);
      else printRun(ctx, found);
    });

  run
    .command('list')
    .description('list runs, newest first')
    .option(
      '--status <status>',
      `only runs in this status: ${STATUSES.join(', ')} (repeatable; default: any)`,
      repeatable,
      [],
    )
    .option('--label <k=v>', 'only runs with this label (repeatable; default: any)', repeatable, [])
    .option('--trainer <name>', 'only runs of this trainer (default: any)')
    .option('--sweep <id>', 'only runs of this sweep (default: any)')
    .option('--page-size <n>', 'runs per page, 1-1000', '50')
    .option('--page-token <token>', 'next_page_token of the previous page (default: the first page)')
    .action(async (_: unknown, command: Command) => {
      const options = ctx.options<{
        status: string[];
        label: string[];
        trainer?: string;
        sweep?: string;
        pageSize: string;
        pageToken?: string;
      }>(command);
      const page = await ctx.connection(command).training.listRuns({
        statuses: options.status.map((s) => `RUN_STATUS_${runStatusLabel(s.toUpperCase())}` as WireRunStatus),
        labels: labelMap(options.label),
        trainer: options.trainer ?? '',
        sweepId: options.sweep ?? '',
        ...pageRequest(options),
      });
      printPage(ctx.io, options.json, page, ['ID', 'STATUS', 'TRAINER', 'STEP', 'CREATED', 'LABELS'], (p) =>
        p.runs.map((r) => [
          r.id,
          runStatusLabel(r.status),
          r.trainer,
          `${r.currentStep}/${r.spec?.maxSteps ?? '?'}`,
          time(r.createdAt),
          labelsText(r.labels),
        ]),
      );
    });

  registerRunMetricsCommands(run, ctx);

  run
    .command('cancel <id>')
    .description('cancel a run: a queued run at once, a running one at its next step')
    .action(async (id: string, _: unknown, command: Command) => {
      const { json } = ctx.options<object>(command);
      const cancelled = await ctx.connection(command).training.cancelRun({ runId: id });
      if (json) printJson(ctx.io, cancelled);
      else
        ctx.io.stdout.write(
          `run ${cancelled.id} ${runStatusLabel(cancelled.status)}${cancelled.cancelRequested && cancelled.status === 'RUN_STATUS_RUNNING' ? ' (stops at its next step)' : ''}\n`,
        );
    });

  registerRunManageCommands(run, ctx);
}

function printRun(ctx: CommandContext, run: Run__Output): void {
  const spec = run.spec;
  const lines: [string, string][] = [
    ['id', run.id],
    ['name', run.displayName || '-'],
    ['status', runStatusLabel(run.status)],
    ['trainer', run.trainer],
    ['step', `${run.currentStep}/${spec?.maxSteps ?? '?'}`],
    ['ended', endReason(run)],
    [
      'noise',
      `eta ${spec?.noise?.eta ?? '?'}, gamma ${spec?.noise?.gamma ?? '?'}, ${spec?.noise?.schedule ?? ''}`,
    ],
    ['optimizer', `${spec?.optimizer?.kind ?? '?'}, learning rate ${spec?.optimizer?.learningRate ?? '?'}`],
    ['seed', String(spec?.seed ?? '?')],
    ['backend', run.backend || '-'],
    ['attempt', String(run.attempt)],
    ['error', run.error || '-'],
    ['sweep', run.sweepId || '-'],
    ['init from', run.initFrom === null ? '-' : describeInitFrom(run.initFrom)],
    ['retention', describeRetention(spec?.retention ?? null)],
    ['labels', labelsText(run.labels) || '-'],
    ['created', time(run.createdAt)],
    ['started', time(run.startedAt)],
    ['finished', time(run.finishedAt)],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  ctx.io.stdout.write(`${lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
  if (run.metricSummaries.length === 0) return;
  // The declared metrics' stored summaries: value @ step of the last point and of the finite extremes.
  ctx.io.stdout.write('\n');
  const at = (v: { value: number; step: string } | null) => (v === null ? '-' : `${v.value} @ ${v.step}`);
  printTable(
    ctx.io,
    ['METRIC', 'POINTS', 'LAST', 'MIN', 'MAX'],
    run.metricSummaries.map((m) => [m.name, m.count, at(m.last), at(m.min), at(m.max)]),
  );
}

/** Why a COMPLETED run ended, in words; `-` for a run that is not. */
function endReason(run: Run__Output): string {
  switch (run.endReason) {
    case 'RUN_END_REASON_SOLVED':
      return `solved at step ${run.currentStep}`;
    case 'RUN_END_REASON_BUDGET':
      return 'budget spent';
    default:
      return '-';
  }
}
