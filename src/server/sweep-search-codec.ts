import type { EarlyStopping } from '../core/index.js';
import type {
  SweepAxis__Output,
  SweepAxis as SweepAxis__Proto,
} from '../generated/proto/gradnoise/v1/SweepAxis.js';
import type {
  SweepEarlyStopping,
  SweepEarlyStopping__Output,
} from '../generated/proto/gradnoise/v1/SweepEarlyStopping.js';
import type { Distribution, RequestedEarlyStopping, SweepAxis, SweepRequest } from '../sweeps/index.js';
import { enumValue, int64, shortString } from './fields.js';
import { decodeMode, OBJECTIVE_MODE_NAME } from './objective-mode.js';

/** The wire form of a distribution's kind (sweeps.proto `DistributionKind`). */
const KIND = {
  DISTRIBUTION_KIND_UNIFORM: 'uniform',
  DISTRIBUTION_KIND_LOG_UNIFORM: 'log_uniform',
  DISTRIBUTION_KIND_INT: 'int',
  DISTRIBUTION_KIND_CHOICE: 'choice',
} as const;

const KIND_NAME = {
  uniform: 'DISTRIBUTION_KIND_UNIFORM',
  log_uniform: 'DISTRIBUTION_KIND_LOG_UNIFORM',
  int: 'DISTRIBUTION_KIND_INT',
  choice: 'DISTRIBUTION_KIND_CHOICE',
} as const;

/** Any int64 the domain then checks against its own range, with its own message. */
const wideInt64 = (path: string, raw: string | number | undefined) =>
  int64(path, raw, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);

/** Decodes the axes: a list of values, or a distribution (`axes[i].distribution.*` errors). */
export function decodeAxes(axes: readonly SweepAxis__Output[]): SweepRequest['axes'] {
  return axes.map((axis, i) => {
    const d = axis.distribution;
    if (d === null || d === undefined) return { field: axis.field, values: axis.values };
    const kind = enumValue(`axes[${i}].distribution.kind`, d.kind, KIND, 'DISTRIBUTION_KIND_UNSPECIFIED');
    return {
      field: axis.field,
      values: axis.values,
      distribution: {
        ...(kind === undefined ? {} : { kind }),
        low: d.low,
        high: d.high,
        choices: d.choices,
        weights: d.weights,
      },
    };
  });
}

/** Decodes `early_stopping`; the domain (`compileEarlyStopping`) checks ranges and fills defaults. */
export function decodeEarlyStopping(message: SweepEarlyStopping__Output): RequestedEarlyStopping {
  return {
    metric: shortString('early_stopping.metric', message.metric, 128),
    ...decodeMode('early_stopping.mode', message.mode),
    gracePeriod: wideInt64('early_stopping.grace_period', message.gracePeriod),
    reductionFactor: message.reductionFactor,
    maxBudget: wideInt64('early_stopping.max_budget', message.maxBudget),
  };
}

/** The random-search fields of a StartSweepRequest. */
export function decodeSearch(message: { readonly trials: number; readonly sweepSeed: string }): {
  readonly trials: number;
  readonly sweepSeed: number;
} {
  return { trials: message.trials, sweepSeed: wideInt64('sweep_seed', message.sweepSeed) };
}

/** A stored axis as the effective request shows it: its values, or its distribution. */
export function encodeAxis(axis: SweepAxis, search: boolean): SweepAxis__Proto {
  const d = axis.distribution;
  if (!search || d === undefined) return { field: axis.field, values: [...axis.values] };
  return { field: axis.field, values: [], distribution: encodeDistribution(d) };
}

function encodeDistribution(d: Distribution): NonNullable<SweepAxis__Proto['distribution']> {
  if (d.kind === 'choice') {
    return { kind: KIND_NAME.choice, choices: [...d.choices], weights: [...d.weights] };
  }
  return { kind: KIND_NAME[d.kind], low: d.low, high: d.high };
}

export function encodeEarlyStopping(settings: EarlyStopping): SweepEarlyStopping {
  return {
    metric: settings.metric,
    mode: OBJECTIVE_MODE_NAME[settings.mode],
    gracePeriod: String(settings.gracePeriod),
    reductionFactor: settings.reductionFactor,
    maxBudget: String(settings.maxBudget),
  };
}
