import {
  AppError,
  describeValue,
  failedPrecondition,
  type InitFrom,
  type InitMode,
  type InnerOptimizerOptions,
  invalidArgument,
  isAppError,
  type RunSpec,
} from '../core/index.js';
import type { CheckpointRepository, RunRepository } from '../store/types.js';

/** An init_from as a request gives it, its fields already in range (the boundary checks them). */
export interface InitFromRequest {
  /** A run of the caller's project. */
  readonly runId: string;
  /** The checkpoint's step; 0: the run's latest. */
  readonly step: number;
  /** Undefined: `WEIGHTS`. */
  readonly mode?: InitMode;
}

/** What resolving an init_from reads: the run named, and its checkpoint's metadata. */
export interface InitFromDeps {
  readonly runs: Pick<RunRepository, 'get'>;
  readonly checkpoints: Pick<CheckpointRepository, 'getMeta'>;
}

/**
 * Resolves a StartRun's init_from against the stored runs, for a run of `spec`, into what is
 * stored with the run: the checkpoint's concrete step (0 → the latest now) and the mode.
 *
 * Checked here, before anything is stored:
 * - the run exists in `project` (else NOT_FOUND naming `init_from.run_id`) and has a checkpoint at
 *   the step (else NOT_FOUND naming `init_from.step`);
 * - it is of the same trainer (else FAILED_PRECONDITION naming both);
 * - mode FULL: the optimizer keeps the same slots (its kind, and RMSProp's `centered`), and the
 *   budget goes past the checkpoint's step, since a fork continues from it (else
 *   FAILED_PRECONDITION, or INVALID_ARGUMENT naming `max_steps`).
 * Model tensors can only be compared once the model is built, in the worker (`worker/init-from.ts`).
 * The checkpoint may still be pruned before the run is stored: the store's insert then answers
 * NOT_FOUND naming `init_from.step` (its foreign key).
 */
export async function resolveInitFrom(
  deps: InitFromDeps,
  project: string,
  request: InitFromRequest,
  spec: RunSpec,
): Promise<InitFrom> {
  const mode = request.mode ?? 'WEIGHTS';
  const parent = await deps.runs.get(project, request.runId).catch((error: unknown) => {
    throw isAppError(error) && error.code === 'NOT_FOUND'
      ? new AppError('NOT_FOUND', `init_from.run_id: run ${describeValue(request.runId)} not found`)
      : error;
  });
  const meta = await deps.checkpoints.getMeta(parent.id, request.step);
  if (meta === null) {
    throw new AppError(
      'NOT_FOUND',
      request.step === 0
        ? `init_from.step: run ${parent.id} has no checkpoint yet`
        : `init_from.step: run ${parent.id} has no checkpoint at step ${request.step} (ListCheckpoints lists those it has)`,
    );
  }
  if (parent.spec.trainer !== spec.trainer) {
    throw failedPrecondition(
      `init_from: the checkpoint of run ${parent.id} at step ${meta.step} is of trainer ${parent.spec.trainer}; ` +
        `this run's trainer is ${spec.trainer}`,
    );
  }
  if (mode === 'FULL') {
    const theirs = slotLayout(parent.spec.optimizer);
    const ours = slotLayout(spec.optimizer);
    if (theirs !== ours) {
      throw failedPrecondition(
        `init_from: mode FULL continues the optimizer state of run ${parent.id} (${theirs}); this run's optimizer ` +
          `is ${ours}. Use the same optimizer, or mode INIT_MODE_WEIGHTS for a new one`,
      );
    }
    if (spec.maxSteps <= meta.step) {
      throw invalidArgument(
        'max_steps',
        spec.maxSteps,
        `more than init_from.step (${meta.step}): mode FULL continues from that step`,
      );
    }
  }
  return { runId: parent.id, step: meta.step, mode };
}

/** What decides the optimizer's slot variables: their kind, and for RMSProp whether it is centered. */
function slotLayout(optimizer: InnerOptimizerOptions): string {
  return optimizer.kind === 'rmsprop' ? `rmsprop, centered ${optimizer.centered === true}` : optimizer.kind;
}
