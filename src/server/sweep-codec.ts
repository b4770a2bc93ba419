import type { PackageDefinition } from '@grpc/proto-loader';
import type { ListSweepRunsResponse } from '../generated/proto/gradnoise/v1/ListSweepRunsResponse.js';
import type { StartSweepRequest__Output } from '../generated/proto/gradnoise/v1/StartSweepRequest.js';
import type { Sweep } from '../generated/proto/gradnoise/v1/Sweep.js';
import type { SweepCurves } from '../generated/proto/gradnoise/v1/SweepCurves.js';
import type { SweepObjective__Output } from '../generated/proto/gradnoise/v1/SweepObjective.js';
import type { SweepReportRow } from '../generated/proto/gradnoise/v1/SweepReportRow.js';
import type { SweepRunCounts as SweepRunCounts__Proto } from '../generated/proto/gradnoise/v1/SweepRunCounts.js';
import type { Page, RunRecord, SweepRunCounts } from '../store/types.js';
import type {
  ReportRow,
  RequestedObjective,
  RunPlace,
  SweepCurve,
  SweepRequest,
  SweepSummary,
  SweepView,
} from '../sweeps/index.js';
import type { TrainerRegistry } from '../trainers/index.js';
import { encodeRun, encodeSpec, timestamp } from './codec/index.js';
import { labels, shortString } from './fields.js';
import { decodeMode, OBJECTIVE_MODE_NAME } from './objective-mode.js';
import { protoRunTemplate } from './run-template.js';
import {
  decodeAxes,
  decodeEarlyStopping,
  decodeSearch,
  encodeAxis,
  encodeEarlyStopping,
} from './sweep-search-codec.js';
import { encodeSelectionReport } from './sweep-selection-codec.js';

export { protoRunTemplate } from './run-template.js';

/** SweepState by the domain's state. */
export const SWEEP_STATE_NAME = { active: 'SWEEP_STATE_ACTIVE', done: 'SWEEP_STATE_DONE' } as const;
/**
 * Decodes a StartSweepRequest; `definition` is the loaded API, whose descriptors resolve axis
 * paths, and `trainers` the service's registry (the base's trainer and its schema).
 */
export function decodeStartSweep(
  definition: PackageDefinition,
  message: StartSweepRequest__Output,
  trainers?: TrainerRegistry,
): { readonly request: SweepRequest; readonly requestId: string | null } {
  const objective = message.objective;
  const requestId = shortString('request_id', message.requestId, 128);
  return {
    request: {
      name: shortString('name', message.name, 128),
      template: protoRunTemplate(definition, message.base, trainers),
      axes: decodeAxes(message.axes),
      seeds: message.seeds,
      ...decodeSearch(message),
      ...(message.earlyStopping ? { earlyStopping: decodeEarlyStopping(message.earlyStopping) } : {}),
      ...(message.compareNoise === undefined ? {} : { compareNoise: message.compareNoise }),
      ...(objective ? { objective: decodeObjective(objective) } : {}),
      labels: labels('labels', message.labels),
    },
    requestId: requestId === '' ? null : requestId,
  };
}

/**
 * Decodes a SweepObjective, StartSweep's or GetSweep's override; errors name `objective.*` fields.
 * The domain (`compileObjective`) checks the metric name and thresholds and fills the defaults.
 */
export function decodeObjective(objective: SweepObjective__Output): RequestedObjective {
  return {
    metric: shortString('objective.metric', objective.metric, 128),
    thresholds: objective.thresholds,
    ...decodeMode('objective.mode', objective.mode),
  };
}

/** Encodes GetSweep's answer (and StartSweep's). */
export function encodeSweep(view: SweepView): Sweep {
  const { report } = view;
  return {
    ...encodeSweepSummary(view),
    report: {
      metric: report.objective.metric,
      mode: OBJECTIVE_MODE_NAME[report.objective.mode],
      thresholds: [...report.objective.thresholds],
      rows: report.rows.map(encodeRow),
      armTotals: report.armTotals.map(encodeRow),
      ...(report.selection === undefined ? {} : { selection: encodeSelectionReport(report.selection) }),
    },
  };
}

/** A sweep without its report (ListSweeps), or the part of GetSweep's answer before it. */
export function encodeSweepSummary(view: SweepSummary): Sweep {
  const { record, spec } = view;
  return {
    id: record.id,
    name: record.name,
    request: {
      name: spec.name,
      base: encodeSpec(spec.base, { labels: { ...spec.baseLabels } }),
      axes: spec.axes.map((axis) => encodeAxis(axis, spec.search !== undefined)),
      seeds: spec.seeds.count,
      trials: spec.search?.trials ?? 0,
      sweepSeed: String(spec.search?.sweepSeed ?? 0),
      ...(spec.earlyStopping === undefined ? {} : { earlyStopping: encodeEarlyStopping(spec.earlyStopping) }),
      compareNoise: spec.compareNoise,
      objective: {
        metric: spec.objective.metric,
        mode: OBJECTIVE_MODE_NAME[spec.objective.mode],
        thresholds: [...spec.objective.thresholds],
      },
      requestId: record.requestId ?? '',
      labels: { ...spec.labels },
    },
    counts: encodeRunCounts(view.counts),
    done: view.done,
    createdAt: timestamp(record.createdAt),
    labels: { ...spec.labels },
    cells: [...view.cells],
    state: SWEEP_STATE_NAME[view.state],
  };
}

export function encodeRunCounts(counts: SweepRunCounts): SweepRunCounts__Proto {
  return {
    total: counts.total,
    queued: counts.QUEUED,
    running: counts.RUNNING,
    completed: counts.COMPLETED,
    failed: counts.FAILED,
    cancelled: counts.CANCELLED,
    stoppedEarly: counts.STOPPED_EARLY,
  };
}

function encodeRow(row: ReportRow): SweepReportRow {
  return {
    cell: row.cell,
    arm: row.arm,
    runs: row.runs,
    completed: row.completed,
    diverged: row.diverged,
    cancelled: row.cancelled,
    stoppedEarly: row.stoppedEarly,
    pending: row.pending,
    evaluated: row.evaluated,
    ...(row.best === null ? {} : { best: row.best }),
    ...(row.mean === null ? {} : { mean: row.mean }),
    ...(row.meanFinal === null ? {} : { meanFinal: row.meanFinal }),
    reached: [...row.reached],
  };
}

export function encodeSweepRuns(
  page: Page<{ readonly place: RunPlace; readonly run: RunRecord }>,
): ListSweepRunsResponse {
  return {
    runs: page.items.map(({ place, run }) => ({
      cell: place.cell,
      arm: place.arm,
      seed: String(place.seed),
      run: encodeRun(run),
    })),
    nextPageToken: page.nextPageToken,
  };
}

export function encodeCurves(result: { metric: string; curves: readonly SweepCurve[] }): SweepCurves {
  return {
    metric: result.metric,
    curves: result.curves.map((curve) => ({
      cell: curve.cell,
      arm: curve.arm,
      points: curve.points.map((p) => ({ step: p.step, mean: p.mean, min: p.min, max: p.max, runs: p.runs })),
    })),
  };
}
