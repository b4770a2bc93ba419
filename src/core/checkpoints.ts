import type { MetricGoal } from './lr-schedule.js';

/**
 * What a run does with checkpoints besides resuming from its own: start from another run's
 * ({@link InitFrom}) and prune its own ({@link CheckpointRetention}).
 */

/**
 * How a run takes the checkpoint it starts from:
 * - `WEIGHTS`: fine-tune. The model's tensors only; optimizer slots, noise state, learning-rate
 *   schedule and the trainer's other state start fresh, and the run counts its steps from 0.
 * - `FULL`: fork. Everything the checkpoint holds (weights, optimizer slots, noise step, schedule,
 *   trainer state and phase); the run continues from the checkpoint's step, so with the parent's
 *   settings it reproduces the parent's later steps bit for bit (every random stream is a function
 *   of the seed and the step, see `random.ts`).
 */
export type InitMode = 'WEIGHTS' | 'FULL';

export const INIT_MODES: readonly InitMode[] = ['WEIGHTS', 'FULL'];

/** A stored run's starting point: a checkpoint of another run of its project. */
export interface InitFrom {
  readonly runId: string;
  /** The checkpoint's step, resolved (never 0, which a request may use for "the latest"). */
  readonly step: number;
  readonly mode: InitMode;
}

/** The checkpoints kept for their value of one metric. */
export interface KeepBest {
  /** A metric the trainer declares (a concrete member of a family). */
  readonly metric: string;
  readonly direction: MetricGoal;
  /** How many of the best to keep, >= 1. */
  readonly count: number;
}

/**
 * Which of a run's checkpoints the store keeps when it writes a new one: the union of the
 * `keepLast` latest, the `keepBest.count` best by `keepBest.metric`, the latest (the one a resumed
 * attempt needs) and every one another run's `InitFrom` names. A spec without a retention keeps
 * every checkpoint, and a compiled one always prunes something (`keepLast` > 0 or a `keepBest`).
 */
export interface CheckpointRetention {
  /** 0: only the latest (and the best); else this many of the latest. */
  readonly keepLast: number;
  readonly keepBest: KeepBest | null;
}

/** Bounds of the retention fields (the proto documents them). */
export const RETENTION_LIMITS = { maxKeepLast: 1_000_000, maxKeepBest: 1000 } as const;
