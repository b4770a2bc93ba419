import { createHash } from 'node:crypto';
import {
  type LearningRateState,
  type NoiseGenerator,
  type RunSpec,
  type StreamVersion,
  storedRunSpec,
} from '../core/index.js';
import {
  fail,
  learningRateState,
  noiseGenerator,
  nonNegativeInteger,
  parseJsonObject,
  safeInteger,
  solved,
  streamVersion,
} from './metadata.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensorsHeader,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from './safetensors.js';
import { fromLittleEndianBytes, toLittleEndianBytes } from './typed-arrays.js';

/**
 * The layout of a gradnoise checkpoint inside a safetensors file. Pure (no tfjs), so a client or a
 * test can read a checkpoint without a backend.
 *
 * Tensors:
 * - `model/<name>`: the trainer's tensors (`TrainerSession.exportState().tensors`);
 * - `optimizer/<name>`: the inner optimizer's slots (moments, accumulators, iteration counter).
 *
 * `__metadata__` (all strings, as the format requires):
 * - `format_version`: {@link CHECKPOINT_FORMAT_VERSION};
 * - `run_id`, `backend` (the tfjs backend that wrote it), `trainer`;
 * - `step`: optimizer steps completed, so a resume calls `trainStep(step)` next;
 * - `noise_state`: JSON `{step, seed, skipped, generator}` of the noisy optimizer (paper §3: t and the
 *   stream seed; `generator` the stream it drew from, absent in files written before it existed, which
 *   all drew from the `ziggurat`);
 * - `stream_version`: the version of the random streams the trainer drew from (`core/random.ts`),
 *   absent in files written before versions existed, which all drew from version 1;
 * - `lr_schedule_state`: JSON `{scale, best, count, phaseStart}` of the learning-rate schedule
 *   (`core/lr-schedule.ts`), absent in files written before schedules existed, whose runs had a
 *   constant rate (the initial state);
 * - `trainer_meta`: JSON of the trainer's extra state (curriculum level, data cursor);
 * - `phase`: the training phase the session was in (`TrainerSession.phase`), absent for a trainer
 *   without phases and in files written before phases existed;
 * - `solved`: `true` in the final checkpoint of a run whose trainer solved its task there (it ends
 *   early, and a resume from it trains no further); absent otherwise;
 * - `run_spec`: JSON of the {@link RunSpec}, so the file alone says how it was trained.
 */

export const CHECKPOINT_FORMAT = 'safetensors';
export const CHECKPOINT_FORMAT_VERSION = '1';
export const MODEL_PREFIX = 'model/';
export const OPTIMIZER_PREFIX = 'optimizer/';

/** The noisy optimizer's own state besides the inner slots. */
export interface NoiseState {
  readonly step: number;
  readonly seed: number;
  readonly skipped: number;
  /** The generator the optimizer actually drew from (not what the spec asked for). */
  readonly generator: NoiseGenerator;
}

/** The dtypes a tfjs tensor can be saved as. */
export type CheckpointDtype = Extract<SafetensorsDtype, 'F32' | 'I32' | 'BOOL'>;

export interface CheckpointTensor {
  /** Without its `model/` or `optimizer/` prefix. */
  readonly name: string;
  readonly dtype: CheckpointDtype;
  readonly shape: readonly number[];
  readonly values: Float32Array | Int32Array | Uint8Array;
}

export interface CheckpointContents {
  readonly runId: string;
  readonly step: number;
  readonly backend: string;
  readonly spec: RunSpec;
  readonly noise: NoiseState;
  /** The stream version the trainer actually drew from (not what the spec asked for). */
  readonly streamVersion: StreamVersion;
  /** The learning-rate schedule's state after `step` steps and their evaluations. */
  readonly lrSchedule: LearningRateState;
  readonly trainerMeta: Readonly<Record<string, unknown>>;
  /** The session's training phase; absent for a trainer without phases. */
  readonly phase?: string;
  /** The run was solved at `step` (its final checkpoint); absent or false otherwise. */
  readonly solved?: boolean;
  readonly model: readonly CheckpointTensor[];
  readonly optimizer: readonly CheckpointTensor[];
}

/** The file plus what the store keeps beside it. */
export interface EncodedCheckpoint {
  readonly bytes: Uint8Array;
  /** Lower-case hex SHA-256 of `bytes`. */
  readonly sha256: string;
  /** The safetensors header without metadata: full tensor name → dtype, shape, data_offsets. */
  readonly index: Readonly<Record<string, SafetensorsEntry>>;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The tensor index of a safetensors file, as stored beside the checkpoint. */
export function checkpointIndex(bytes: Uint8Array): Record<string, SafetensorsEntry> {
  return Object.fromEntries(readSafetensorsHeader(bytes).entries);
}

export function encodeCheckpoint(c: CheckpointContents): EncodedCheckpoint {
  const tensors = [
    ...c.model.map((t) => ({ prefix: MODEL_PREFIX, t })),
    ...c.optimizer.map((t) => ({ prefix: OPTIMIZER_PREFIX, t })),
  ].map(({ prefix, t }) => ({
    name: `${prefix}${t.name}`,
    tensor: { dtype: t.dtype, shape: t.shape, data: toLittleEndianBytes(t.values) },
  }));
  const bytes = encodeSafetensors(tensors, {
    format_version: CHECKPOINT_FORMAT_VERSION,
    run_id: c.runId,
    trainer: c.spec.trainer,
    backend: c.backend,
    step: String(c.step),
    noise_state: JSON.stringify(c.noise),
    stream_version: String(c.streamVersion),
    lr_schedule_state: JSON.stringify(c.lrSchedule),
    trainer_meta: JSON.stringify(c.trainerMeta),
    run_spec: JSON.stringify(c.spec),
    ...(c.phase === undefined ? {} : { phase: c.phase }),
    ...(c.solved === true ? { solved: 'true' } : {}),
  });
  return { bytes, sha256: sha256Hex(bytes), index: checkpointIndex(bytes) };
}

/**
 * Reads a checkpoint written by {@link encodeCheckpoint}. Throws `INVALID_ARGUMENT` for a corrupt
 * file, another format version, a tensor outside `model/` and `optimizer/`, or a dtype tfjs lacks.
 */
export function decodeCheckpoint(bytes: Uint8Array): CheckpointContents {
  const file = decodeSafetensors(bytes);
  const { metadata } = file;
  if (metadata.format_version !== CHECKPOINT_FORMAT_VERSION) {
    throw fail(
      `format_version ${JSON.stringify(metadata.format_version)} is not ${CHECKPOINT_FORMAT_VERSION}`,
    );
  }
  const noise = parseJsonObject(metadata, 'noise_state');
  const model: CheckpointTensor[] = [];
  const optimizer: CheckpointTensor[] = [];
  for (const [fullName, tensor] of file.tensors) {
    if (tensor.dtype !== 'F32' && tensor.dtype !== 'I32' && tensor.dtype !== 'BOOL') {
      throw fail(`tensor ${fullName} has dtype ${tensor.dtype}; allowed: F32, I32, BOOL`);
    }
    const values = fromLittleEndianBytes(tensor.dtype, tensor.data) as Float32Array | Int32Array | Uint8Array;
    const entry = (name: string): CheckpointTensor => ({
      name,
      dtype: tensor.dtype as CheckpointDtype,
      shape: tensor.shape,
      values,
    });
    if (fullName.startsWith(MODEL_PREFIX)) model.push(entry(fullName.slice(MODEL_PREFIX.length)));
    else if (fullName.startsWith(OPTIMIZER_PREFIX))
      optimizer.push(entry(fullName.slice(OPTIMIZER_PREFIX.length)));
    else throw fail(`tensor ${fullName} is neither model/… nor optimizer/…`);
  }
  return {
    runId: metadata.run_id ?? '',
    step: nonNegativeInteger(metadata.step, 'metadata step'),
    backend: metadata.backend ?? '',
    // Files from before `noise.generator` existed name none: they ran with the ziggurat.
    spec: storedRunSpec(parseJsonObject(metadata, 'run_spec')),
    noise: {
      step: nonNegativeInteger(noise.step, 'noise_state.step'),
      seed: safeInteger(noise.seed, 'noise_state.seed'),
      skipped: nonNegativeInteger(noise.skipped, 'noise_state.skipped'),
      generator: noiseGenerator(noise.generator),
    },
    // Files from before stream versions name none: they drew from version 1.
    streamVersion: streamVersion(metadata.stream_version),
    // Files from before schedules name none: their rate was constant.
    lrSchedule: learningRateState(metadata),
    trainerMeta: parseJsonObject(metadata, 'trainer_meta'),
    ...(metadata.phase === undefined ? {} : { phase: metadata.phase }),
    ...(solved(metadata.solved) ? { solved: true } : {}),
    model,
    optimizer,
  };
}
