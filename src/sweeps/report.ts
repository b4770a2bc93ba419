import type { RunStatus } from '../core/index.js';
import { better, reaches } from './objective.js';
import type { SelectionReport } from './selection.js';
import { ARMS, type Arm, type Objective } from './types.js';

/** What the report needs to know of one run (see `SweepRepository.outcomes`). */
export interface RunOutcome {
  readonly cell: string;
  readonly arm: Arm;
  readonly status: RunStatus;
  /** Best finite value of the objective metric over the run's evaluations (max or min per mode). */
  readonly best: number | null;
  /** Last finite value of the metric. */
  readonly final: number | null;
  /** Whether the run's last recorded loss is NaN or infinite. */
  readonly lossNonFinite: boolean;
}

/** One row of the paper-style table: one cell and arm, or one arm over all cells. */
export interface ReportRow {
  readonly cell: string;
  readonly arm: Arm;
  readonly runs: number;
  readonly completed: number;
  readonly diverged: number;
  readonly cancelled: number;
  /** Runs ASHA stopped at a rung (STOPPED_EARLY) whose last loss is finite. */
  readonly stoppedEarly: number;
  readonly pending: number;
  /** Runs with a finite objective; `best`, `mean` and `reached` are over these. */
  readonly evaluated: number;
  readonly best: number | null;
  readonly mean: number | null;
  /** Mean of the runs' final values, over runs that have one. */
  readonly meanFinal: number | null;
  /** Per threshold, in the objective's order: runs whose objective reaches it. */
  readonly reached: readonly number[];
}

export interface SweepReport {
  readonly objective: Objective;
  /** Cell by cell in the given order, `no_noise` before `noise`; a cell and arm with no run is left out. */
  readonly rows: readonly ReportRow[];
  /** One row per arm over every cell (cell `all`): the Table 5 view. */
  readonly armTotals: readonly ReportRow[];
  /** The restart selection (Table 2's view), when one was asked for (`selection.ts`). */
  readonly selection?: SelectionReport;
}

export const ALL_CELLS = 'all';

/**
 * Aggregates run outcomes into the comparison of the paper's Table 1 (best and average accuracy of
 * each configuration with and without noise, §4.1) and Table 5 (how many runs reach each error
 * threshold, §4.5).
 *
 * Each run lands in exactly one of: pending (QUEUED or RUNNING), diverged (FAILED, or its last
 * loss is not finite), completed, stopped early (by ASHA), cancelled. A run's objective is its best
 * evaluation, whatever became of the run afterwards, so a run that learned and then diverged, or
 * was stopped at a rung, still counts with what it reached; a run never evaluated counts in `runs` but not in `best`, `mean` or `reached`.
 */
export function buildReport(
  objective: Objective,
  cells: readonly string[],
  outcomes: readonly RunOutcome[],
): SweepReport {
  const groups = new Map<string, RunOutcome[]>();
  for (const outcome of outcomes) {
    const key = groupKey(outcome.cell, outcome.arm);
    const group = groups.get(key);
    if (group) group.push(outcome);
    else groups.set(key, [outcome]);
  }
  const rows: ReportRow[] = [];
  for (const cell of cells) {
    for (const arm of ARMS) {
      const group = groups.get(groupKey(cell, arm));
      if (group) rows.push(aggregate(objective, cell, arm, group));
    }
  }
  const armTotals = ARMS.flatMap((arm) => {
    const group = outcomes.filter((o) => o.arm === arm);
    return group.length > 0 ? [aggregate(objective, ALL_CELLS, arm, group)] : [];
  });
  return { objective, rows, armTotals };
}

function aggregate(objective: Objective, cell: string, arm: Arm, runs: readonly RunOutcome[]): ReportRow {
  let completed = 0;
  let diverged = 0;
  let cancelled = 0;
  let stoppedEarly = 0;
  let pending = 0;
  for (const run of runs) {
    if (run.status === 'QUEUED' || run.status === 'RUNNING') pending++;
    else if (run.status === 'FAILED' || run.lossNonFinite) diverged++;
    else if (run.status === 'COMPLETED') completed++;
    else if (run.status === 'STOPPED_EARLY') stoppedEarly++;
    else cancelled++;
  }
  const scores = runs.flatMap((r) => (r.best !== null && Number.isFinite(r.best) ? [r.best] : []));
  const finals = runs.flatMap((r) => (r.final !== null && Number.isFinite(r.final) ? [r.final] : []));
  return {
    cell,
    arm,
    runs: runs.length,
    completed,
    diverged,
    cancelled,
    stoppedEarly,
    pending,
    evaluated: scores.length,
    best: scores.length > 0 ? scores.reduce((a, b) => better(objective.mode, a, b)) : null,
    mean: mean(scores),
    meanFinal: mean(finals),
    reached: objective.thresholds.map((t) => scores.filter((s) => reaches(objective.mode, s, t)).length),
  };
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function groupKey(cell: string, arm: Arm): string {
  return `${arm}\u0000${cell}`;
}
