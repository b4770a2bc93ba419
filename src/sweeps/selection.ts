import { invalidArgument, type RunStatus } from '../core/index.js';
import { SWEEP_LIMITS } from './limits.js';
import { better, checkMetricName, defaultMode } from './objective.js';
import { ARMS, type Arm, type ObjectiveMode } from './types.js';

/**
 * Restart selection: of a cell and arm's seeds (random restarts), keep the one run whose last
 * value of a selection metric is best, and report that run's last values of other metrics. This is
 * the protocol of the paper's Table 2 (§4.2: "the lowest training error model of 10 random
 * restarts"), where the metric that picks (train_error) differs from the ones reported
 * (train, validation and test error). The objective of a report (each run's best of one metric)
 * answers another question; both live in one {@link SweepReport}.
 */

/** A selection as requested (GetSweepRequest.selection), before defaults. */
export interface RequestedSelection {
  readonly metric: string;
  readonly mode?: ObjectiveMode;
  /** Empty or absent: the selection metric alone. */
  readonly reportMetrics?: readonly string[];
}

export interface Selection {
  readonly metric: string;
  readonly mode: ObjectiveMode;
  /** The metrics reported for each picked run, in this order. */
  readonly reportMetrics: readonly string[];
}

/** What selection needs to know of one run: its place and the last finite value of each metric. */
export interface RunFinals {
  readonly runId: string;
  readonly cell: string;
  readonly arm: Arm;
  readonly seed: number;
  readonly status: RunStatus;
  /** Metric name → the finite value at the run's highest step that has one. */
  readonly values: Readonly<Record<string, number>>;
}

/** The pick of one cell and arm. */
export interface SelectedRow {
  readonly cell: string;
  readonly arm: Arm;
  readonly runs: number;
  /** COMPLETED runs with a finite final selection value: the restarts selection chose among. */
  readonly candidates: number;
  /** The picked run; null when there was no candidate. */
  readonly runId: string | null;
  readonly seed: number | null;
  readonly selectionValue: number | null;
  /** The picked run's final value of each report metric it has. */
  readonly values: Readonly<Record<string, number>>;
}

/** One arm over all cells: the mean of each report metric over the cells' picked runs. */
export interface SelectedTotal {
  readonly arm: Arm;
  /** Cells with a picked run. */
  readonly cells: number;
  /** Report metric → mean over the picked runs that have it (absent when none has). */
  readonly means: Readonly<Record<string, number>>;
}

export interface SelectionReport {
  readonly selection: Selection;
  /** Cell by cell in grid order, `no_noise` before `noise`; a cell and arm without runs is left out. */
  readonly rows: readonly SelectedRow[];
  readonly totals: readonly SelectedTotal[];
}

/** Validates a requested selection and fills its defaults; errors name `selection.*` fields. */
export function compileSelection(requested: RequestedSelection): Selection {
  if (requested.metric === '') {
    throw invalidArgument('selection.metric', requested.metric, 'a metric name, e.g. train_error');
  }
  const metric = checkMetricName('selection.metric', requested.metric);
  const listed = requested.reportMetrics ?? [];
  if (listed.length > SWEEP_LIMITS.maxReportMetrics) {
    throw invalidArgument(
      'selection.report_metrics',
      `${listed.length} metrics`,
      `at most ${SWEEP_LIMITS.maxReportMetrics}`,
    );
  }
  const seen = new Set<string>();
  listed.forEach((name, i) => {
    const field = `selection.report_metrics[${i}]`;
    checkMetricName(field, name);
    if (seen.has(name)) throw invalidArgument(field, name, 'a metric not already listed');
    seen.add(name);
  });
  return {
    metric,
    mode: requested.mode ?? defaultMode(metric),
    reportMetrics: listed.length > 0 ? [...listed] : [metric],
  };
}

/**
 * Picks one run per cell and arm. Candidates are the COMPLETED runs with a finite final selection
 * value (a run still training has no final value yet, and a FAILED or CANCELLED one did not finish
 * its schedule); ties go to the lowest seed, so the pick does not depend on row order.
 */
export function selectRestarts(
  selection: Selection,
  cells: readonly string[],
  runs: readonly RunFinals[],
): SelectionReport {
  const rows: SelectedRow[] = [];
  for (const cell of cells) {
    for (const arm of ARMS) {
      const group = runs.filter((r) => r.cell === cell && r.arm === arm);
      if (group.length > 0) rows.push(pick(selection, cell, arm, group));
    }
  }
  const totals = ARMS.flatMap((arm): SelectedTotal[] => {
    const picked = rows.filter((r) => r.arm === arm && r.runId !== null);
    if (!rows.some((r) => r.arm === arm)) return [];
    const means: Record<string, number> = {};
    for (const name of selection.reportMetrics) {
      const values = picked.flatMap((r) => (r.values[name] === undefined ? [] : [r.values[name]]));
      if (values.length > 0) means[name] = values.reduce((a, b) => a + b, 0) / values.length;
    }
    return [{ arm, cells: picked.length, means }];
  });
  return { selection, rows, totals };
}

function pick(selection: Selection, cell: string, arm: Arm, group: readonly RunFinals[]): SelectedRow {
  const candidates = group
    .filter((r) => r.status === 'COMPLETED' && Number.isFinite(r.values[selection.metric]))
    .sort((a, b) => a.seed - b.seed);
  let best: RunFinals | undefined;
  for (const run of candidates) {
    const value = run.values[selection.metric] as number;
    const current = best?.values[selection.metric];
    if (current === undefined || (value !== current && better(selection.mode, value, current) === value)) {
      best = run;
    }
  }
  const values: Record<string, number> = {};
  for (const name of selection.reportMetrics) {
    const value = best?.values[name];
    if (value !== undefined) values[name] = value;
  }
  return {
    cell,
    arm,
    runs: group.length,
    candidates: candidates.length,
    runId: best?.runId ?? null,
    seed: best?.seed ?? null,
    selectionValue: best === undefined ? null : (best.values[selection.metric] as number),
    values,
  };
}
