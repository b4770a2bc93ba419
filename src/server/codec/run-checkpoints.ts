import type { CheckpointRetention, InitFrom, InitMode } from '../../core/index.js';
import type {
  CheckpointRetention__Output,
  CheckpointRetention as CheckpointRetentionMessage,
} from '../../generated/proto/gradnoise/v1/CheckpointRetention.js';
import type {
  InitFrom__Output,
  InitFrom as InitFromMessage,
} from '../../generated/proto/gradnoise/v1/InitFrom.js';
import type { RunRequest } from '../../runs/compile-spec.js';
import type { InitFromRequest } from '../../runs/index.js';
import { enumValue, int64, requiredId, shortString } from '../fields.js';
import { METRIC_DIRECTION } from './lr-schedule.js';

/**
 * The wire form of what a run does with checkpoints besides resuming: `InitFrom` (start from
 * another run's) and `CheckpointRetention` (prune its own). Decoding translates and checks what
 * the wire alone decides (required ids, integer ranges, enum values), naming the field; the rest
 * (a declared metric, the run and step named) is the run use cases' to check.
 */

const MODE: Readonly<Record<string, InitMode>> = {
  INIT_MODE_WEIGHTS: 'WEIGHTS',
  INIT_MODE_FULL: 'FULL',
};

/** Checkpoint steps are int4 in the store. */
const MAX_STEP = 2 ** 31 - 1;
/** Longer than any metric name a trainer declares (those are checked when the spec is compiled). */
const MAX_METRIC_NAME = 128;

/** An init_from; `undefined` when unset. */
export function decodeInitFrom(message: InitFrom__Output | null | undefined): InitFromRequest | undefined {
  if (message == null) return undefined;
  const runId = requiredId('init_from.run_id', message.runId);
  const step = int64('init_from.step', message.step, 0, MAX_STEP);
  const mode = enumValue('init_from.mode', message.mode, MODE, 'INIT_MODE_UNSPECIFIED');
  return { runId, step, ...(mode === undefined ? {} : { mode }) };
}

/** A stored run's init_from, its step and mode resolved. */
export function encodeInitFrom(initFrom: InitFrom): InitFromMessage {
  return { runId: initFrom.runId, step: initFrom.step, mode: `INIT_MODE_${initFrom.mode}` };
}

/**
 * A retention in domain terms. Zeros (the proto defaults) and an unspecified direction are left for
 * `compileRetention` to default.
 */
export function decodeRetention(message: CheckpointRetention__Output): NonNullable<RunRequest['retention']> {
  const best = message.keepBest;
  if (best == null) return { keepLast: message.keepLast };
  const direction = enumValue(
    'retention.keep_best.direction',
    best.direction,
    METRIC_DIRECTION,
    'METRIC_DIRECTION_UNSPECIFIED',
  );
  return {
    keepLast: message.keepLast,
    keepBest: {
      metric: shortString('retention.keep_best.metric', best.metric, MAX_METRIC_NAME),
      count: best.count,
      ...(direction === undefined ? {} : { direction }),
    },
  };
}

/** A compiled retention, every default filled; unset for "keep every checkpoint". */
export function encodeRetention(
  retention: CheckpointRetention | undefined,
): CheckpointRetentionMessage | null {
  if (retention === undefined) return null;
  const best = retention.keepBest;
  return {
    keepLast: retention.keepLast,
    keepBest:
      best === null
        ? null
        : {
            metric: best.metric,
            direction: best.direction === 'min' ? 'METRIC_DIRECTION_MIN' : 'METRIC_DIRECTION_MAX',
            count: best.count,
          },
  };
}
