import * as tf from '@tensorflow/tfjs';
import { type CheckpointContents, type CheckpointTensor, decodeCheckpoint } from '../../checkpoint/index.js';
import { AppError, failedPrecondition, type LearningRateState, type RunSpec } from '../../core/index.js';
import type { NoisyOptimizer } from '../../optim/index.js';
import type { TrainerSession, TrainerState } from '../../trainers/index.js';
import type { RunInit } from './protocol.js';
import { importContents } from './state.js';
import { restoreTensor } from './tensors.js';

/** Where a run started from another run's checkpoint begins. */
export interface InitStart {
  /** Steps already done: the checkpoint's for a fork, 0 for a fine-tune. */
  readonly step: number;
  /** The schedule's state to go on from (a fork); null: a fresh schedule. */
  readonly lrSchedule: LearningRateState | null;
  /** The backend that wrote the checkpoint, when the run continues its trajectory (a fork). */
  readonly backend: string | null;
}

/**
 * Loads the first attempt of a run with an init_from (before its first step; later attempts resume
 * from the run's own checkpoints):
 * - both modes: the checkpoint must be of the run's trainer, and each of the model's tensors must
 *   have a counterpart of the same name, dtype and shape in it and none more (FAILED_PRECONDITION
 *   naming the first tensor that does not);
 * - `WEIGHTS`: only the model tensors are loaded; the session keeps its own fresh state (meta and
 *   phase), and the optimizer, noise and schedule start as the run's settings make them, at step 0;
 * - `FULL`: everything, as a resume does (`importContents`), except that the noise draws from the
 *   run's own seed; it goes on from the checkpoint's step with the checkpoint's schedule state. A
 *   checkpoint marked solved is not carried over: the fork trains on, and asks again after its step.
 */
export function applyInitFrom(
  init: RunInit,
  spec: RunSpec,
  session: TrainerSession,
  optimizer: NoisyOptimizer,
): InitStart {
  const contents = decodeCheckpoint(init.checkpoint);
  const source = `the checkpoint of run ${init.runId} at step ${init.step}`;
  if (contents.spec.trainer !== spec.trainer) {
    throw failedPrecondition(
      `init_from: ${source} is of trainer ${contents.spec.trainer}; this run's is ${spec.trainer}`,
    );
  }
  // The session's own state: its tensors to compare with, its fresh meta and phase for a fine-tune.
  const own = session.exportState();
  try {
    checkModelTensors(contents.model, own, source);
    if (init.mode === 'WEIGHTS') {
      importWeights(contents, own, session);
      return { step: 0, lrSchedule: null, backend: null };
    }
  } finally {
    tf.dispose(own.tensors.map((t) => t.tensor));
  }
  if (contents.step >= spec.maxSteps) {
    throw failedPrecondition(`init_from: ${source} is at or past this run's max_steps ${spec.maxSteps}`);
  }
  try {
    importContents(contents, session, optimizer, spec.seed);
  } catch (error) {
    // The model matched, so the slots can only differ by the optimizer's kind or settings.
    throw new AppError(
      'FAILED_PRECONDITION',
      `init_from: the optimizer state in ${source} does not fit this run's optimizer (${spec.optimizer.kind}): ` +
        `${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return { step: contents.step, lrSchedule: contents.lrSchedule, backend: contents.backend };
}

function importWeights(contents: CheckpointContents, own: TrainerState, session: TrainerSession): void {
  const tensors: { name: string; tensor: tf.Tensor }[] = [];
  try {
    for (const t of contents.model) tensors.push({ name: t.name, tensor: restoreTensor(t) });
    const phase = session.phase === undefined ? {} : { phase: session.phase };
    session.importState({ tensors, meta: own.meta, ...phase });
  } finally {
    tf.dispose(tensors.map((t) => t.tensor));
  }
}

/** FAILED_PRECONDITION naming the first model tensor the checkpoint and the session disagree on. */
function checkModelTensors(saved: readonly CheckpointTensor[], own: TrainerState, source: string): void {
  const theirs = new Map(saved.map((t) => [t.name, t]));
  for (const { name, tensor } of own.tensors) {
    const found = theirs.get(name);
    if (found === undefined) {
      throw failedPrecondition(`init_from: tensor model/${name} of this run is not in ${source}`);
    }
    const dtype = { float32: 'F32', int32: 'I32', bool: 'BOOL' }[tensor.dtype as string] ?? tensor.dtype;
    if (found.dtype !== dtype || !sameShape(found.shape, tensor.shape)) {
      throw failedPrecondition(
        `init_from: tensor model/${name} is ${found.dtype} [${found.shape.join(', ')}] in ${source}, ` +
          `${dtype} [${tensor.shape.join(', ')}] in this run`,
      );
    }
    theirs.delete(name);
  }
  const extra = theirs.keys().next();
  if (extra.done !== true) {
    throw failedPrecondition(
      `init_from: tensor model/${extra.value} of ${source} is not in this run's model`,
    );
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}
