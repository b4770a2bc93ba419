import * as tf from '@tensorflow/tfjs';
import {
  type CheckpointContents,
  decodeCheckpoint,
  type EncodedCheckpoint,
  encodeCheckpoint,
} from '../../checkpoint/index.js';
import type { LearningRateState, RunSpec, RunStreams } from '../../core/index.js';
import { AppError } from '../../core/index.js';
import type { NoisyOptimizer } from '../../optim/index.js';
import type { MetricValue, TrainerSession } from '../../trainers/index.js';
import { restoreTensor, snapshotTensors } from './tensors.js';

/**
 * Moving a run's state between a live session and checkpoint bytes, and reading step metrics.
 * Every tensor created or handed over here is disposed here; the session's own are never disposed.
 */

/**
 * Snapshots the trainer's tensors, meta and phase and the optimizer's slots + noise state into a
 * checkpoint file.
 */
export async function captureCheckpoint(input: {
  readonly runId: string;
  readonly step: number;
  readonly spec: RunSpec;
  readonly backend: string;
  readonly session: TrainerSession;
  readonly optimizer: NoisyOptimizer;
  /** The streams the session draws from. */
  readonly streams: RunStreams;
  /** The session solved its task at `step`: the run's final checkpoint. */
  readonly solved?: boolean;
  /** The learning-rate schedule's state. */
  readonly lrSchedule: LearningRateState;
}): Promise<EncodedCheckpoint> {
  // Both exports hand us new tensors to dispose (TrainerSession.exportState's contract).
  const trainer = input.session.exportState();
  let optimizerState: ReturnType<NoisyOptimizer['exportState']> | undefined;
  try {
    optimizerState = input.optimizer.exportState();
    return encodeCheckpoint({
      runId: input.runId,
      step: input.step,
      backend: input.backend,
      spec: input.spec,
      noise: {
        step: optimizerState.step,
        seed: optimizerState.seed,
        skipped: optimizerState.skipped,
        generator: input.optimizer.options.generator,
      },
      streamVersion: input.streams.version,
      lrSchedule: input.lrSchedule,
      trainerMeta: trainer.meta,
      ...(input.session.phase === undefined ? {} : { phase: input.session.phase }),
      solved: input.solved === true,
      model: await snapshotTensors(trainer.tensors),
      optimizer: await snapshotTensors(optimizerState.inner),
    });
  } finally {
    tf.dispose([...trainer.tensors, ...(optimizerState?.inner ?? [])].map((t) => t.tensor));
  }
}

/**
 * Decodes a checkpoint of this run and loads it into the session and optimizer. Throws
 * FAILED_PRECONDITION when it was written for another trainer, seed, noise generator or stream
 * version, or past the budget.
 */
export function restoreCheckpoint(
  bytes: Uint8Array,
  spec: RunSpec,
  session: TrainerSession,
  optimizer: NoisyOptimizer,
): CheckpointContents {
  const contents = decodeCheckpoint(bytes);
  if (
    contents.spec.trainer !== spec.trainer ||
    contents.spec.seed !== spec.seed ||
    // What the optimizer drew from, not the spec's word for it: a replica older than the field
    // trained every run with the ziggurat, whatever a newer replica had put in its spec.
    contents.noise.generator !== spec.noise.generator ||
    // Likewise: a replica older than stream versions drew every run's numbers from version 1.
    contents.streamVersion !== spec.streamVersion ||
    contents.step > spec.maxSteps
  ) {
    throw new AppError(
      'FAILED_PRECONDITION',
      `checkpoint at step ${contents.step} (trainer ${contents.spec.trainer}, seed ${contents.spec.seed}, noise generator ` +
        `${contents.noise.generator}, stream version ${contents.streamVersion}) does not belong to this run ` +
        `(trainer ${spec.trainer}, seed ${spec.seed}, noise generator ${spec.noise.generator}, ` +
        `stream version ${spec.streamVersion}, maxSteps ${spec.maxSteps})`,
    );
  }
  importContents(contents, session, optimizer, contents.noise.seed);
  return contents;
}

/**
 * Loads decoded checkpoint contents into a session and optimizer: the trainer's tensors, meta and
 * phase; the optimizer's slots and noise state {step, skipped}, drawing from `seed` on.
 */
export function importContents(
  contents: CheckpointContents,
  session: TrainerSession,
  optimizer: NoisyOptimizer,
  seed: number,
): void {
  const model: { name: string; tensor: tf.Tensor }[] = [];
  const inner: { name: string; tensor: tf.Tensor }[] = [];
  try {
    // Restored one by one inside the try, so a bad tensor frees the ones already made.
    for (const t of contents.model) model.push({ name: t.name, tensor: restoreTensor(t) });
    for (const t of contents.optimizer) inner.push({ name: t.name, tensor: restoreTensor(t) });
    const phase = contents.phase === undefined ? {} : { phase: contents.phase };
    session.importState({ tensors: model, meta: contents.trainerMeta, ...phase });
    const { step, skipped } = contents.noise;
    optimizer.importState({ step, seed, skipped, inner });
  } finally {
    // Both imports copy what they need (assign / new slot variables).
    tf.dispose([...model, ...inner].map((t) => t.tensor));
  }
}

/**
 * Reads metric values to numbers and disposes every tensor among them, even when one read fails.
 * Asynchronous reads: a GPU backend has none that is synchronous in Node.
 */
export async function readMetrics(
  values: Readonly<Record<string, MetricValue>>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  try {
    for (const [name, value] of Object.entries(values)) {
      out.set(name, typeof value === 'number' ? value : ((await value.data())[0] ?? Number.NaN));
    }
  } finally {
    for (const value of Object.values(values)) if (typeof value !== 'number') value.dispose();
  }
  return out;
}
