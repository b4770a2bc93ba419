import type { CheckpointRetention } from './checkpoints.js';
import { CONSTANT_LEARNING_RATE, type LearningRateScheduleSpec } from './lr-schedule.js';
import type { ClipSpec, InnerOptimizerOptions, NoiseSpec } from './optimizer-types.js';
import type { StreamVersion } from './random.js';

/**
 * A compiled, validated run request: what is stored in `runs.spec` and handed to a worker.
 * Every field is filled (no optional defaults left), so a stored spec alone reproduces the run.
 */
export interface RunSpec {
  /** Registry name of the trainer, e.g. `mlp`. */
  readonly trainer: string;
  /** The trainer's compiled config (its `defaults` merged with the request, then `compile`d). */
  readonly trainerConfig: Readonly<Record<string, unknown>>;
  /** The inner optimizer (paper §4: SGD, momentum, Adam, …). */
  readonly optimizer: InnerOptimizerOptions;
  /** Gradient noise, paper §3 Eq. 1. `eta` 0 disables it (the no-noise arm). */
  readonly noise: NoiseSpec;
  /** Clipping applied before the noise. Absent keys mean no clipping of that kind. */
  readonly clip: ClipSpec;
  /**
   * The learning-rate schedule on `optimizer.learningRate` (`core/lr-schedule.ts`). Specs stored
   * before it existed are `constant`, what they ran with.
   */
  readonly lrSchedule: LearningRateScheduleSpec;
  /** Seed of every random stream of the run (init, data order, dropout, noise). */
  readonly seed: number;
  /**
   * The version of the random streams the run draws from (see `core/random.ts`): 2 for new runs;
   * runs stored before the field existed are 1, the streams they ran with.
   */
  readonly streamVersion: StreamVersion;
  /** Budget in optimizer steps. */
  readonly maxSteps: number;
  /** Evaluate every this many steps (and at the end). */
  readonly evalEvery: number;
  /** Checkpoint every this many steps (and at the end). */
  readonly checkpointEvery: number;
  /**
   * Which checkpoints the store keeps (`checkpoints.ts`). Absent: every one, the default, which is
   * also what every spec stored before retention existed means; so an absent policy leaves the
   * specs (and the checkpoints' `run_spec`) of such runs exactly as they were.
   */
  readonly retention?: CheckpointRetention;
}

/**
 * A spec as stored (in `runs.spec`, a sweep's template, a checkpoint's metadata), with the fields
 * that postdate it filled with what such a run ran with, so it goes on doing so when it resumes:
 * - `noise.generator`: `ziggurat`. Migration 20261201000000 fills it in the database; this also
 *   covers rows an older replica writes during a rolling upgrade, and checkpoints.
 * - `streamVersion`: 1. Filled here only, never in the rows: a row without it is a run of the old
 *   streams whichever replica wrote it, so reading it as 1 is always right, and a migration
 *   could not mark the rows an older replica writes after it ran.
 * - `lrSchedule`: `constant`, for the same reason (there were no schedules).
 */
export function storedRunSpec(stored: unknown): RunSpec {
  const spec = stored as RunSpec;
  const partial = stored as Partial<RunSpec>;
  const noise = partial.noise as Partial<RunSpec['noise']> | undefined;
  const needsGenerator = noise !== undefined && noise.generator === undefined;
  const needsVersion = partial.streamVersion === undefined;
  const needsSchedule = partial.lrSchedule === undefined;
  if (!needsGenerator && !needsVersion && !needsSchedule) return spec;
  return {
    ...spec,
    ...(needsGenerator ? { noise: { ...spec.noise, generator: 'ziggurat' as const } } : {}),
    ...(needsVersion ? { streamVersion: 1 as const } : {}),
    ...(needsSchedule ? { lrSchedule: CONSTANT_LEARNING_RATE } : {}),
  };
}

/**
 * A run's lifecycle. `STOPPED_EARLY`: stopped by its sweep's early stopping (ASHA, `core/asha.ts`)
 * at a rung, with a final checkpoint; neither a failure nor a user's cancel.
 */
export type RunStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'STOPPED_EARLY';

/** Every status, in lifecycle order (counts, gauges). */
export const RUN_STATUSES: readonly RunStatus[] = [
  'QUEUED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'STOPPED_EARLY',
];

/**
 * Why a COMPLETED run ended: it trained its whole step budget (`BUDGET`), or its trainer reported
 * the task solved (`SOLVED`, `TrainerSession.isSolved`), which ends it early, at that step.
 */
export type RunEndReason = 'BUDGET' | 'SOLVED';

export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'STOPPED_EARLY',
]);

/** One stored metric point. Unique per (runId, name, step). */
export interface MetricPoint {
  readonly runId: string;
  /**
   * Optimizer steps completed when the point was recorded: 1 after the first update (trainStep(0)).
   * So `since_step = 0` replays everything. A checkpoint's step uses the same count: resuming from a
   * checkpoint at step k calls trainStep(k) next.
   */
  readonly step: number;
  readonly name: string;
  readonly value: number;
  /** Wall-clock time the point was produced, ms since the epoch. */
  readonly timeMs: number;
}
