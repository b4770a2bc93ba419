import type { InnerOptimizerOptions, NoiseGenerator, NoiseTarget, Schedule } from './optimizer-types.js';

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
  readonly noise: {
    readonly eta: number;
    readonly gamma: number;
    readonly schedule: Schedule;
    readonly target: NoiseTarget;
    readonly stepsPerTick: number;
    /**
     * The stream of normals. Specs stored before it existed are `ziggurat` (migration
     * 20261201000000_noise_generator), the generator they ran with.
     */
    readonly generator: NoiseGenerator;
  };
  /** Clipping applied before the noise. Absent keys mean no clipping of that kind. */
  readonly clip: { readonly byValue?: number; readonly byGlobalNorm?: number };
  /** Seed of every random stream of the run (init, data order, dropout, noise). */
  readonly seed: number;
  /** Budget in optimizer steps. */
  readonly maxSteps: number;
  /** Evaluate every this many steps (and at the end). */
  readonly evalEvery: number;
  /** Checkpoint every this many steps (and at the end). */
  readonly checkpointEvery: number;
}

/**
 * A spec as stored (in `runs.spec`, a sweep's template, a checkpoint's metadata), with
 * `noise.generator` filled where it predates the field: such a run drew its noise from the
 * `ziggurat`, and must go on doing so when it resumes. Migration 20261201000000 fills the field in
 * the database; this also covers rows an older replica writes during a rolling upgrade, and
 * checkpoints.
 */
export function storedRunSpec(stored: unknown): RunSpec {
  const spec = stored as RunSpec;
  const noise = spec.noise as Partial<RunSpec['noise']> | undefined;
  if (noise === undefined || noise.generator !== undefined) return spec;
  return { ...spec, noise: { ...spec.noise, generator: 'ziggurat' } };
}

export type RunStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

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
