import type { PackageDefinition } from '@grpc/proto-loader';
import { invalidArgument, withFieldPrefix } from '../core/index.js';
import type { ListSweepRunsResponse } from '../generated/proto/gradnoise/v1/ListSweepRunsResponse.js';
import type { StartRunRequest__Output } from '../generated/proto/gradnoise/v1/StartRunRequest.js';
import type { StartSweepRequest__Output } from '../generated/proto/gradnoise/v1/StartSweepRequest.js';
import type { Sweep } from '../generated/proto/gradnoise/v1/Sweep.js';
import type { SweepCurves } from '../generated/proto/gradnoise/v1/SweepCurves.js';
import type { SweepObjective__Output } from '../generated/proto/gradnoise/v1/SweepObjective.js';
import type { SweepReportRow } from '../generated/proto/gradnoise/v1/SweepReportRow.js';
import { type FieldPath, parseFieldValue, resolveFieldPath, setFieldValue } from '../protocol/index.js';
import type { Page, RunRecord } from '../store/types.js';
import type {
  AxisField,
  ReportRow,
  RequestedObjective,
  RunPlace,
  RunTemplate,
  SweepCurve,
  SweepRequest,
  SweepView,
} from '../sweeps/index.js';
import { listTrainers } from '../trainers/index.js';
import {
  decodeStartRun,
  encodeRun,
  encodeSpec,
  encodeTrainerConfig,
  timestamp,
  typedConfig,
} from './codec/index.js';
import { enumValue, labels, shortString } from './fields.js';

const RUN_REQUEST = 'gradnoise.v1.StartRunRequest';
const MODE = { OBJECTIVE_MODE_MAX: 'max', OBJECTIVE_MODE_MIN: 'min' } as const;
const MODE_NAME = { max: 'OBJECTIVE_MODE_MAX', min: 'OBJECTIVE_MODE_MIN' } as const;
/** Top-level fields the sweep itself owns, so no axis may set them. */
const NOT_SWEEPABLE: Readonly<Record<string, string>> = {
  trainer: 'one trainer per sweep',
  seed: 'use seeds',
  request_id: 'set per run by the sweep',
};

/** Decodes a StartSweepRequest; `definition` is the loaded API, whose descriptors resolve axis paths. */
export function decodeStartSweep(
  definition: PackageDefinition,
  message: StartSweepRequest__Output,
): { readonly request: SweepRequest; readonly requestId: string | null } {
  const objective = message.objective;
  const requestId = shortString('request_id', message.requestId, 128);
  return {
    request: {
      name: shortString('name', message.name, 128),
      template: protoRunTemplate(definition, message.base),
      axes: message.axes.map((axis) => ({ field: axis.field, values: axis.values })),
      seeds: message.seeds,
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
    ...optionalMode(objective.mode),
  };
}

function optionalMode(raw: string | number | undefined): { mode?: 'max' | 'min' } {
  const mode = enumValue('objective.mode', raw, MODE, 'OBJECTIVE_MODE_UNSPECIFIED');
  return mode === undefined ? {} : { mode };
}

/**
 * The sweep's run template over the StartRunRequest message: an axis may name any singular scalar
 * field (resolved through the proto descriptors), and a cell is the base message with the axis
 * values set, decoded exactly as StartRun decodes a request.
 */
export function protoRunTemplate(
  definition: PackageDefinition,
  requested: StartRunRequest__Output | null,
): RunTemplate {
  if (requested === null) throw invalidArgument('base', null, 'a StartRunRequest with at least its trainer');
  const decoded = withFieldPrefix('base.', () => decodeStartRun(requested));
  const trainerCase = typedConfig(requested.trainer)?.oneofCase;
  // A base whose config came as config_struct is carried as the trainer's typed message, so an
  // axis into the config adds to the base's values instead of replacing them.
  const base =
    requested.config === 'configStruct' && trainerCase !== undefined
      ? ({
          ...requested,
          configStruct: null,
          config: trainerCase,
          ...encodeTrainerConfig(requested.trainer, decoded.request.trainerConfig ?? {}),
        } as StartRunRequest__Output)
      : requested;
  if (decoded.requestId !== null) {
    throw invalidArgument('base.request_id', decoded.requestId, "empty (the sweep sets each run's)");
  }
  // The typed config cases of every registered trainer: an axis may only enter the base's own.
  const configCases = new Set(
    listTrainers().flatMap((trainer) => typedConfig(trainer.name)?.oneofCase ?? []),
  );
  const paths = new Map<string, FieldPath>();
  return {
    base: decoded.request,
    labels: decoded.labels,
    field(path: string, errorField: string): AxisField {
      const resolved = resolveFieldPath(definition, RUN_REQUEST, path, errorField);
      const top = resolved.keys[0] as string;
      const reason = resolved.keys.length === 1 ? NOT_SWEEPABLE[resolved.path] : undefined;
      if (reason !== undefined)
        throw invalidArgument(errorField, path, `a field a sweep can vary (${resolved.path}: ${reason})`);
      if (configCases.has(top) && top !== trainerCase) {
        throw invalidArgument(
          errorField,
          path,
          trainerCase === undefined
            ? `no config field (trainer ${base.trainer} has none)`
            : `a field of the ${base.trainer} trainer's config (${base.trainer}.*)`,
        );
      }
      paths.set(resolved.path, resolved);
      return {
        path: resolved.path,
        parse: (text, field) => {
          const parsed = parseFieldValue(resolved, text, field);
          return { text: parsed.text, value: parsed.value };
        },
      };
    },
    build(assignments) {
      const message = structuredClone(base) as unknown as Record<string, unknown>;
      for (const { field, value } of assignments) {
        const resolved = paths.get(field.path);
        if (resolved === undefined) throw new Error(`axis ${field.path} was not resolved by this template`);
        setFieldValue(definition, message, resolved, value.value as string | number | boolean);
        // The config oneof's discriminator tells the decoder which trainer config is present.
        if (configCases.has(resolved.keys[0] as string)) message.config = resolved.keys[0];
      }
      return decodeStartRun(message as unknown as StartRunRequest__Output).request;
    },
  };
}

/** Encodes GetSweep's answer (and StartSweep's). */
export function encodeSweep(view: SweepView): Sweep {
  const { record, spec, report } = view;
  return {
    id: record.id,
    name: record.name,
    request: {
      name: spec.name,
      base: encodeSpec(spec.base, { labels: { ...spec.baseLabels } }),
      axes: spec.axes.map((axis) => ({ field: axis.field, values: [...axis.values] })),
      seeds: spec.seeds.count,
      compareNoise: spec.compareNoise,
      objective: {
        metric: spec.objective.metric,
        mode: MODE_NAME[spec.objective.mode],
        thresholds: [...spec.objective.thresholds],
      },
      requestId: record.requestId ?? '',
      labels: { ...spec.labels },
    },
    counts: {
      total: view.counts.total,
      queued: view.counts.QUEUED,
      running: view.counts.RUNNING,
      completed: view.counts.COMPLETED,
      failed: view.counts.FAILED,
      cancelled: view.counts.CANCELLED,
    },
    done: view.done,
    createdAt: timestamp(record.createdAt),
    report: {
      metric: report.objective.metric,
      mode: MODE_NAME[report.objective.mode],
      thresholds: [...report.objective.thresholds],
      rows: report.rows.map(encodeRow),
      armTotals: report.armTotals.map(encodeRow),
    },
    labels: { ...spec.labels },
    cells: [...view.cells],
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
