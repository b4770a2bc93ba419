import type { Sweep__Output } from '../generated/proto/gradnoise/v1/Sweep.js';
import type { SweepReportRow__Output } from '../generated/proto/gradnoise/v1/SweepReportRow.js';
import type { SweepSelectionReport__Output } from '../generated/proto/gradnoise/v1/SweepSelectionReport.js';
import { type CliIo, num, printTable } from './io.js';

/**
 * Prints a sweep's report as the paper's tables: per cell and arm the runs, how many completed and
 * diverged, the best and average objective (Table 1) and the runs reaching each threshold (Table 5),
 * then the same per arm over all cells.
 */
export function printReport(io: CliIo, sweep: Sweep__Output): void {
  const counts = sweep.counts;
  const report = sweep.report;
  const mode = report?.mode === 'OBJECTIVE_MODE_MIN' ? 'min' : 'max';
  io.stdout.write(
    `sweep ${sweep.id}${sweep.name ? ` "${sweep.name}"` : ''}: ${counts?.total ?? 0} runs, ` +
      `${counts?.completed ?? 0} completed, ${counts?.failed ?? 0} failed, ${counts?.cancelled ?? 0} cancelled, ` +
      `${counts?.stoppedEarly ?? 0} stopped early, ` +
      `${(counts?.queued ?? 0) + (counts?.running ?? 0)} pending${sweep.done ? '' : ' (in progress)'}\n` +
      `objective: ${report?.metric ?? '?'}, ${mode === 'max' ? 'higher' : 'lower'} is better; ` +
      `a run's objective is its best evaluation\n\n`,
  );
  const thresholds = report?.thresholds ?? [];
  const header = [
    'CELL',
    'ARM',
    'RUNS',
    'DONE',
    'DIVERGED',
    'STOPPED',
    'PENDING',
    'BEST',
    'AVG',
    'AVG FINAL',
    ...thresholds.map((t) => `${mode === 'max' ? '>=' : '<='}${t}`),
  ];
  const row = (r: SweepReportRow__Output) => [
    r.cell,
    r.arm,
    String(r.runs),
    String(r.completed),
    String(r.diverged),
    String(r.stoppedEarly),
    String(r.pending),
    num(r.best),
    num(r.mean),
    num(r.meanFinal),
    ...r.reached.map(String),
  ];
  printTable(io, header, [...(report?.rows ?? []).map(row), ...(report?.armTotals ?? []).map(row)]);
  if (report?.selection) printSelection(io, report.selection);
}

/**
 * The restart selection as Table 2 prints it: per cell and arm the picked seed, its selection value
 * and its final report metrics, then per arm the means over cells.
 */
function printSelection(io: CliIo, report: SweepSelectionReport__Output): void {
  const selection = report.selection;
  const metrics = selection?.reportMetrics ?? [];
  const better = selection?.mode === 'OBJECTIVE_MODE_MAX' ? 'highest' : 'lowest';
  io.stdout.write(
    `\nrestart selection: per cell and arm the run with the ${better} final ${selection?.metric ?? '?'} ` +
      `among its completed runs; final values\n\n`,
  );
  // The selection metric gets its own column unless it is also reported.
  const name = selection?.metric ?? '?';
  const own = metrics.includes(name) ? [] : [name];
  printTable(
    io,
    ['CELL', 'ARM', 'RUNS', 'CANDIDATES', 'SEED', ...own, ...metrics],
    [
      ...report.rows.map((r) => [
        r.cell,
        r.arm,
        String(r.runs),
        String(r.candidates),
        r.runId === '' ? '-' : r.seed,
        ...own.map(() => num(r.selectionValue)),
        ...metrics.map((m) => num(r.values[m])),
      ]),
      ...report.totals.map((t) => [
        'all (mean)',
        t.arm,
        '',
        `${t.cells} cells`,
        '',
        ...own.map(() => ''),
        ...metrics.map((m) => num(t.means[m])),
      ]),
    ],
  );
}
