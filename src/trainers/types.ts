import type * as tf from '@tensorflow/tfjs';
import type {
  ClipSpec,
  DenseStackKernels,
  InnerOptimizerOptions,
  NeuralGpuKernels,
  NramKernels,
  RunStreams,
} from '../core/index.js';
import type { DataRootPolicy } from '../data/index.js';
import type { LearningRateScheduleOptions, NoisyOptimizer } from '../optim/index.js';
import type { ConfigSchema, MetricDeclaration } from './schema/index.js';

/**
 * The contract every trainer implements (paper §4: one per model family).
 *
 * A trainer is a step-driven session rather than a `model.fit` call, so that models with custom
 * loops and curricula (Neural GPU, NRAM, Neural Programmer, memory networks) fit the same runtime.
 * The runtime (`src/runs/worker`) owns the loop: it calls `trainStep` once per optimizer step,
 * `evaluate` every `evalEvery` steps, and `exportState` for checkpoints. It checks cancellation
 * between steps, ends the run early when the session reports it solved (`isSolved`), and records
 * the session's training phase (`phase`) in checkpoints and metrics.
 *
 * Metric points: a run stores one value per (name, step). `trainStep(s)` reports step s + 1, and an
 * evaluation after it reports the same step, so a name both return (e.g. the Neural GPU's
 * `curriculum_length`) is one point: the runtime keeps the evaluation's value, the later report,
 * and streams, stores and exports only that one.
 *
 * Reproducibility: everything random inside a session (data order, dropout masks, curriculum
 * samples, initialisation) must come from `context.streams`, keyed by the step index (or a layer,
 * an epoch), so a session restored with `importState` at step k continues exactly as an
 * uninterrupted one, and a run stored with an older stream version goes on drawing its numbers.
 */
/** What {@link TrainerDefinition.runDefaults} may default from the config. */
export interface RunDefaults {
  /** The learning rate the optimizer gets when the request names none (whatever its kind). */
  readonly learningRate?: number;
  readonly lrSchedule?: LearningRateScheduleOptions;
}

export interface TrainerDefinition<C extends object = object> {
  /** The registry name clients use in `StartRunRequest.trainer`, e.g. `mlp`. */
  readonly name: string;
  /** One line for ListTrainers. */
  readonly description: string;
  /** The paper section this trainer follows, e.g. `§4.1`. */
  readonly paperSection: string;
  /**
   * Every config field: type, default, range or choices, one line of documentation. Validation,
   * the wire mapping (typed message or `google.protobuf.Struct`), ListTrainers, the CLI's `--set`
   * and sweep axes all derive from it. Build definitions with `defineTrainer`, which derives
   * `defaults` and `compile` from it.
   */
  readonly schema: ConfigSchema;
  /**
   * The metrics the session reports (`trainStep`'s and `evaluate`'s), each declared once with its
   * phase and direction; `finite` ones end the run FAILED when NaN or ±∞ (src/runs/worker/loop.ts).
   * The runtime adds `grad_norm` and `noise_std` per step when the trainer does not report them, and
   * `learning_rate` when the run has a learning-rate schedule other than constant.
   */
  readonly metrics: readonly MetricDeclaration[];
  /** The full default config, derived from `schema`. A request's config is merged over it field by field. */
  readonly defaults: C;
  /** The optimizer step budget used when `max_steps` is 0. */
  readonly defaultMaxSteps: number;
  /** The optimizer used when a request names none (the paper's choice for this model); default SGD, lr 0.01. */
  readonly defaultOptimizer?: InnerOptimizerOptions;
  /** Clipping used when a request sets none (paper's choice for this model); default none. */
  readonly defaultClip?: ClipSpec;
  /** Noise defaults of the paper for this model (η, γ). */
  readonly defaultNoise: { readonly eta: number; readonly gamma: number };
  /**
   * Run options whose defaults depend on the compiled config, applied only where a request leaves
   * them unset: the default optimizer's learning rate, and the learning-rate schedule (without
   * it, constant). E.g. End-to-End Memory Networks train at lr 0.01 one-stage and 0.005 with
   * linear start, halving every 25 epochs counted from the switch (§4.2, the original code).
   */
  runDefaults?(config: C): RunDefaults;
  /**
   * Validates a config (already merged over `defaults`) against `schema`, then the definition's
   * cross-field checks, and returns it with derived fields filled.
   * Throws `AppError('INVALID_ARGUMENT')` (see `invalidArgument`) naming the field path relative to
   * the trainer config, e.g. `depth: got 0; allowed: an integer in [1, 200]`. Pure: it reads no
   * file, so a spec stays valid wherever it is stored; what a server lets it read is checked at
   * each read, under that server's {@link DataRootPolicy}.
   */
  compile(config: C): C;
  /**
   * Optional cheap checks of external resources (e.g. that data files exist and their headers are
   * valid), under the service's data root policy. The runtime calls it on the main thread through
   * `preflightRuns` (src/runs/preflight.ts) so a bad path fails the request with INVALID_ARGUMENT
   * or FAILED_PRECONDITION instead of failing the run later.
   */
  preflight?(config: C, dataRoots: DataRootPolicy): Promise<void>;
  /**
   * Optimizer steps in one epoch for this config, so a budget can be given in epochs. A trainer
   * that must read its data to know (an IDX file's count) checks `dataRoots` before it does.
   */
  stepsPerEpoch(config: C, dataRoots: DataRootPolicy): number;
  /**
   * The session's training phases, e.g. `['linear_start', 'default']` for the memory network's
   * two-stage training (paper §4.2: linear attention first, then softmax attention warm-started
   * from it). Absent: the session has no phases and no `phase`. See {@link TrainerSession.phase}.
   */
  readonly phases?: readonly string[];
  /** Training examples one optimizer step consumes (its batch size), for throughput metrics. */
  examplesPerStep(config: C): number;
  /** Builds the model and data inside a worker thread. Called once per run attempt. */
  create(config: C, context: TrainerContext): Promise<TrainerSession>;
}

/** What the runtime hands a trainer session. */
export interface TrainerContext {
  /**
   * The run's random streams: its seed in the stream version of its spec. Draw every random number
   * from them, never from Math.random or a seed of your own; `streams.version` is also what
   * selects a version-1 run's own behaviours where the versions differ (dropout, loss).
   */
  readonly streams: RunStreams;
  /** The noisy optimizer the run asked for: clip → noise → inner optimizer (src/optim). */
  readonly optimizer: NoisyOptimizer;
  /** The backend in use, e.g. `wasm`, or `native` (tfjs on `wasm` with the addon's kernels below). */
  readonly backend: string;
  /**
   * Fused dense-stack kernels (forward and backward of a ReLU stack in one call), present on the
   * `native` backend: a trainer whose model is such a stack may step with them instead of tfjs ops
   * (the `mlp` trainer does). Absent elsewhere.
   */
  readonly denseKernels?: DenseStackKernels;
  /**
   * The Neural GPU's unrolled model, forward and backward, in one call, present on the `native`
   * backend: the `neural_gpu` trainer steps with it instead of tfjs ops. Absent elsewhere.
   */
  readonly neuralGpuKernels?: NeuralGpuKernels;
  /**
   * The NRAM's unrolled machine, forward and backward, in one call, present on the `native`
   * backend: the `nram` trainer steps and evaluates with it instead of tfjs ops. Absent elsewhere.
   */
  readonly nramKernels?: NramKernels;
  /**
   * What the session may read (the service's policy, carried to the worker in its boot data).
   * Check every path against it before opening anything: the main thread's checks may have run
   * under another policy, or not at all.
   */
  readonly dataRoots: DataRootPolicy;
}

/**
 * The per-step metric the runtime reports for a trainer with phases: the index of the session's
 * phase in `TrainerDefinition.phases`, at step 1 and wherever it changed (see `TrainerSession.phase`).
 */
export const PHASE_METRIC = 'phase';

/** A scalar metric produced by a step: a number, or a scalar tensor the runtime reads and disposes. */
export type MetricValue = number | tf.Scalar;

export interface TrainerSession {
  /**
   * Runs optimizer step `step` (0-based, global across resumes) and returns its per-step metrics,
   * at least every declared per-step metric marked `finite` (e.g. `loss`). Tensors returned are owned by the runtime, which reads and disposes them.
   */
  trainStep(step: number): Record<string, MetricValue>;
  /**
   * Optional: the same step as `trainStep`, for a session whose step cannot finish without a value
   * read back from the backend (the Neural GPU's curriculum needs its batch's sequence error before
   * the next step draws a length). A backend that cannot read synchronously (`webgpu` in Node) makes
   * such a session's `trainStep` fail; this one awaits the read (`await tensor.data()`). Same
   * results as `trainStep` wherever both run. The runtime calls it when present, else `trainStep`.
   */
  trainStepAsync?(step: number): Promise<Record<string, MetricValue>>;
  /**
   * Evaluates the current model after `step` updates, e.g. `{train_accuracy, test_accuracy,
   * test_loss}`. On a name the same step's `trainStep` also returned, this value is the one kept.
   */
  evaluate(step: number): Promise<Record<string, number>>;
  /**
   * The trainer's state for a checkpoint: its weights as named tensors and JSON-serialisable
   * extra state (curriculum level, data cursor). The optimizer's and noise state are saved by the
   * runtime, not here.
   *
   * Ownership (the contract of `NoisyOptimizer.exportState` too): the tensors are new and belong
   * to the caller, who disposes them (`tf.dispose(state.tensors.map((t) => t.tensor))`). The
   * session keeps no reference to them, so they stay valid whatever it does next, and it never
   * disposes them. `tf.clone` makes such a tensor without copying the data.
   */
  exportState(): TrainerState;
  /**
   * Restores a state produced by `exportState` of the same trainer and config. Does not take
   * ownership: the caller may dispose `state`'s tensors as soon as this returns.
   */
  importState(state: TrainerState): void;
  /**
   * The checkpoint name (as in {@link exportState}, e.g. `layer0/kernel`) of every variable whose
   * gradient the session hands the optimizer, keyed by the tfjs variable's `name`. From stream
   * version 2 the runtime keys each tensor's noise by this name (`NoisyOptimizer.keyNoiseByName`),
   * never by tfjs's variable name, which differs from process to process, nor by the position in
   * the gradient list. A gradient of a variable missing here fails the step.
   */
  parameterNames(): ReadonlyMap<string, string>;
  /** Frees every tensor and variable the session created. */
  dispose(): void;
  /**
   * Done: whether the task is solved, so training should stop (Ray Tune's `done`). The paper runs
   * its algorithmic models until they solve their task: NRAM's runs count as successes at 100 %
   * accuracy (§4.4, Table 4), the Neural GPU's by their test error (§4.5, Table 5).
   *
   * The runtime asks after every step, once `trainStep(s)` and, when due, `evaluate(s + 1)` ran, so
   * the answer may come from the step's batch or from the evaluation's results. On `true` it
   * evaluates at that step (unless it just did), writes the final checkpoint there (marked solved)
   * and ends the run COMPLETED with end reason `SOLVED` before its step budget; a run resumed from
   * that checkpoint trains no further. Must be a pure function of the session's state (weights,
   * meta, the latest evaluation), so a resumed run is solved at the same step. Absent: never done;
   * the run ends on its budget (`BUDGET`).
   */
  isSolved?(): boolean;
  /**
   * Phases: the session's current training phase, one of the definition's `phases`; absent when
   * it declares none. The session changes it itself between steps, in `trainStep` or in `evaluate`
   * (which holds the evaluation's results), so a switch may be deterministic (after N steps) or
   * metric-driven (when the validation loss stops falling); a change applies from the next
   * `trainStep` on.
   *
   * The runtime reads it after each step (and its evaluation): it writes it into every checkpoint
   * (`phase`), hands it back to `importState` on resume, and reports it as the per-step metric
   * `phase` (the index in `phases`) at step 1 of a run and at every step after which it changed,
   * so the stored series says when each phase began, once per (name, step), live or replayed.
   * Whatever else the phase needs to continue exactly (a plateau counter) belongs in `meta`.
   */
  readonly phase?: string;
}

export interface TrainerState {
  readonly tensors: ReadonlyArray<{ readonly name: string; readonly tensor: tf.Tensor }>;
  readonly meta: Readonly<Record<string, unknown>>;
  /**
   * On import only: the phase the session was in when the checkpoint was written (its `phase`),
   * absent when it has none (no phases, or a file from before phases). `exportState` leaves it out:
   * the runtime reads {@link TrainerSession.phase} itself.
   */
  readonly phase?: string;
}
