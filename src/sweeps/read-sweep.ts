import type { Page, RunRecord, SweepRepository } from '../store/types.js';
import { sweepCells } from './grid.js';
import { type SweepSummary, summarizeSweep, sweepSpec } from './list-sweeps.js';
import { checkMetricName, compileObjective } from './objective.js';
import { buildReport, type SweepReport } from './report.js';
import { type RunPlace, runPlace } from './run-labels.js';
import { compileSelection, type RequestedSelection, selectRestarts } from './selection.js';
import { DEFAULT_CURVE_POINTS, thinCurve } from './thin.js';
import { ARMS, type Arm, type RequestedObjective, type SweepCurve } from './types.js';

/** The sweep reads of GetSweep, ListSweepRuns and GetSweepCurves (a `Store` has them). */
export interface SweepReads {
  readonly sweeps: Pick<SweepRepository, 'get' | 'outcomes' | 'finals' | 'listRuns' | 'curves'>;
}

/** A sweep as GetSweep shows it: the stored request, run counts by status, and the report. */
export interface SweepView extends SweepSummary {
  readonly report: SweepReport;
}

/**
 * GetSweep: the report is computed from stored metric points by one aggregate query, under the
 * sweep's own objective or, when `objective` is given, under that one instead (validated by
 * `compileObjective` with the sweep's objective as its fallback; errors name `objective.*`). Nothing
 * is stored: `spec` stays the sweep's own. With `selection`, the report also holds the restart
 * selection (`selection.ts`, Table 2's protocol), validated before anything is read.
 */
export async function describeSweep(
  store: SweepReads,
  project: string,
  id: string,
  objective?: RequestedObjective,
  requestedSelection?: RequestedSelection,
): Promise<SweepView> {
  const selection = requestedSelection === undefined ? undefined : compileSelection(requestedSelection);
  const record = await store.sweeps.get(project, id);
  const spec = sweepSpec(record);
  const reportObjective =
    objective === undefined ? spec.objective : compileObjective(objective, spec.objective);
  const outcomes = await store.sweeps.outcomes(record.id, reportObjective.metric, reportObjective.mode);
  const counts = {
    total: outcomes.length,
    QUEUED: 0,
    RUNNING: 0,
    COMPLETED: 0,
    FAILED: 0,
    CANCELLED: 0,
    STOPPED_EARLY: 0,
  };
  for (const outcome of outcomes) counts[outcome.status]++;
  const summary = summarizeSweep(record, counts);
  const { cells } = summary;
  const built = buildReport(
    reportObjective,
    cells,
    outcomes.map((o) => ({ ...o, arm: toArm(o.arm) })),
  );
  let report: SweepReport = built;
  if (selection !== undefined) {
    const metrics = [...new Set([selection.metric, ...selection.reportMetrics])];
    const finals = await store.sweeps.finals(record.id, metrics);
    const runs = finals.map((f) => ({ ...f, arm: toArm(f.arm) }));
    report = { ...built, selection: selectRestarts(selection, cells, runs) };
  }
  return { ...summary, report };
}

/** ListSweepRuns: the sweep's runs in grid order with their place in the grid. */
export async function listSweepRuns(
  store: SweepReads,
  project: string,
  id: string,
  pageSize: number,
  pageToken: string,
): Promise<Page<{ readonly place: RunPlace; readonly run: RunRecord }>> {
  const record = await store.sweeps.get(project, id);
  const page = await store.sweeps.listRuns(project, record.id, pageSize, pageToken);
  return {
    items: page.items.map((run) => ({ place: runPlace(run.labels), run })),
    nextPageToken: page.nextPageToken,
  };
}

/**
 * GetSweepCurves: mean (and min, max) over seeds of one metric per cell, arm and step, the data of
 * the paper's Figure 2. `metric` '' means the objective's. Curves come in grid order, each thinned
 * to at most `maxPoints` points (`thinCurve`).
 */
export async function sweepCurves(
  store: SweepReads,
  project: string,
  id: string,
  metric: string,
  maxPoints: number = DEFAULT_CURVE_POINTS,
): Promise<{ readonly metric: string; readonly curves: readonly SweepCurve[] }> {
  const record = await store.sweeps.get(project, id);
  const spec = sweepSpec(record);
  const name = metric === '' ? spec.objective.metric : checkMetricName('metric', metric);
  const points = await store.sweeps.curves(record.id, name);
  const byKey = new Map<string, SweepCurve['points'][number][]>();
  for (const p of points) {
    const key = `${p.arm}\u0000${p.cell}`;
    const list = byKey.get(key) ?? [];
    list.push({ step: p.step, mean: p.mean, min: p.min, max: p.max, runs: p.runs });
    byKey.set(key, list);
  }
  const curves: SweepCurve[] = [];
  for (const cell of sweepCells(spec)) {
    for (const arm of ARMS) {
      const list = byKey.get(`${arm}\u0000${cell.key}`);
      if (list) {
        const points = thinCurve(
          list.sort((a, b) => a.step - b.step),
          maxPoints,
        );
        curves.push({ cell: cell.key, arm, points });
      }
    }
  }
  return { metric: name, curves };
}

function toArm(label: string): Arm {
  return label === 'noise' ? 'noise' : 'no_noise';
}
