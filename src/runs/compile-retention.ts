import {
  type CheckpointRetention,
  invalidArgument,
  type KeepBest,
  type MetricGoal,
  RETENTION_LIMITS,
} from '../core/index.js';
import { findMetric, type TrainerDefinition } from '../trainers/index.js';

/** A retention as a request gives it; `undefined` fields take their defaults. */
export interface RetentionRequest {
  /** 0 or undefined: only the latest when `keepBest` is set, else every checkpoint. */
  readonly keepLast?: number;
  /** Undefined or null (as a compiled retention has it): none. */
  readonly keepBest?: KeepBestRequest | null;
}

export interface KeepBestRequest {
  readonly metric?: string;
  /** Undefined: the direction the trainer declares for the metric. */
  readonly direction?: MetricGoal;
  /** 0 or undefined: 1. */
  readonly count?: number;
}

/**
 * Validates a retention against the trainer and fills its defaults. Returns `undefined` for "keep
 * every checkpoint" (nothing requested, or `keepLast` 0 without `keepBest`), so the stored spec of
 * a run without a policy has no `retention` at all. Throws INVALID_ARGUMENT naming the field:
 * `retention.keepLast` out of range; `retention.keepBest.metric` empty or not a metric the trainer
 * declares (a step or an evaluation metric, or a member of a declared family); `retention.keepBest.count`
 * out of range.
 */
export function compileRetention(
  trainer: TrainerDefinition,
  requested: RetentionRequest | undefined,
): CheckpointRetention | undefined {
  if (requested === undefined) return undefined;
  const keepLast = requested.keepLast ?? 0;
  if (!Number.isInteger(keepLast) || keepLast < 0 || keepLast > RETENTION_LIMITS.maxKeepLast) {
    throw invalidArgument(
      'retention.keepLast',
      keepLast,
      `an integer in [0, ${RETENTION_LIMITS.maxKeepLast}] (0: only the latest with keep_best, else every checkpoint)`,
    );
  }
  const keepBest = requested.keepBest == null ? null : compileKeepBest(trainer, requested.keepBest);
  if (keepLast === 0 && keepBest === null) return undefined;
  return { keepLast, keepBest };
}

function compileKeepBest(trainer: TrainerDefinition, requested: KeepBestRequest): KeepBest {
  const metric = requested.metric ?? '';
  const declared =
    findMetric(trainer.metrics, metric, 'step') ?? findMetric(trainer.metrics, metric, 'evaluation');
  if (declared === undefined) {
    const names = trainer.metrics.map((m) => m.name);
    throw invalidArgument(
      'retention.keepBest.metric',
      metric,
      names.length === 0
        ? `none: trainer ${trainer.name} declares no metrics, so its checkpoints cannot be ranked`
        : `a metric trainer ${trainer.name} declares: ${names.join(', ')}`,
    );
  }
  const count = requested.count ?? 0;
  if (!Number.isInteger(count) || count < 0 || count > RETENTION_LIMITS.maxKeepBest) {
    throw invalidArgument(
      'retention.keepBest.count',
      count,
      `an integer in [0, ${RETENTION_LIMITS.maxKeepBest}] (0: 1)`,
    );
  }
  return { metric, direction: requested.direction ?? declared.direction, count: count === 0 ? 1 : count };
}
