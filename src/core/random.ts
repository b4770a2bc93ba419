import { keyedStream, mix32, Sfc32, words } from './sfc32.js';

/**
 * The random streams of a run: data order, weight initialisation, dropout masks, synthetic data
 * and the optimizer's noise. One generator ({@link Sfc32}) and, from stream version 2, one key hash
 * ({@link keyedStream}) serve them all.
 *
 * Every stream is keyed by `(seed, purpose, ...indices)`, e.g. `(seed, Stream.dropout, step,
 * layer)`, so the value at step `s` can be recomputed after a resume without replaying steps
 * `0..s-1`, and a run's whole random state is its seed and step.
 *
 * Stream versions. A run's spec names the version of the streams it draws from
 * (`RunSpec.streamVersion`), and its checkpoints record it, so a run goes on drawing the numbers
 * it started with, whatever the code's current version:
 * - 1: runs stored before versions existed. Trainer and data streams hash their key with the
 *   MurmurHash3 finaliser into one word (`legacyKeyedStream`), and the `neural_gpu` trainer keeps
 *   its own dropout comparison and cross-entropy (see `trainers/shared/dropout.ts` and `softmaxCrossEntropy` in `trainers/shared/metrics.ts`).
 * - 2: every stream hashes its key with {@link keyedStream}, the noise's hash; one dropout and one
 *   cross-entropy for every trainer. The noise of a tensor is keyed by its checkpoint name
 *   ({@link tensorNameKey} of e.g. `layer0/kernel`), so it does not depend on the order of the
 *   gradient list nor on tfjs's variable names, which differ from process to process.
 * The noise streams ({@link streamFor}) hash the same key in both versions; only the tensor's word
 * differs: its position in the gradient list in version 1, its name's key in version 2.
 */

/** Versions of the random streams; see the module docstring. */
export type StreamVersion = 1 | 2;
export const STREAM_VERSIONS: readonly StreamVersion[] = [1, 2];
/** The version of new runs. */
export const CURRENT_STREAM_VERSION: StreamVersion = 2;

/**
 * The stream version of datasets defined by a stream (the MNIST split, the smoke trainer's blobs).
 * A dataset is part of the task, not of a run's randomness: it stays on version 1, so runs of every
 * version train and test on the same data and their results compare.
 */
export const DATASET_STREAM_VERSION: StreamVersion = 1;

/** Stream purposes, so two uses never share random numbers for the same seed and indices. */
export const Stream = {
  init: 1,
  dataOrder: 2,
  dropout: 3,
  syntheticData: 4,
  dataSplit: 5,
  /** A random-search sweep's samples, keyed by (sweep seed, trial, axis): not a run's stream. */
  sweepSample: 6,
} as const;
export type StreamPurpose = (typeof Stream)[keyof typeof Stream];

/** The streams of one seed in one version; hand trainers this, never the bare seed. */
export interface RunStreams {
  readonly seed: number;
  readonly version: StreamVersion;
  /**
   * A fresh generator at the start of the stream `(seed, purpose, ...indices)`. Indices are safe
   * integers (a step, a layer, an epoch, a length).
   */
  stream(purpose: StreamPurpose, ...indices: number[]): Sfc32;
}

/**
 * Tags version-2 purposes ("run\0" + purpose). A version-2 key is [seed lo, seed hi, tag, then two
 * words per index]: an odd number of words, so it never equals a noise key (six words).
 */
const PURPOSE_TAG = 0x72756e00;

/** The streams of `seed` in `version`. */
export function runStreams(seed: number, version: StreamVersion): RunStreams {
  if (version === 1) {
    return { seed, version, stream: (purpose, ...indices) => legacyKeyedStream([seed, purpose, ...indices]) };
  }
  return {
    seed,
    version,
    stream(purpose, ...indices) {
      const key = [...words(seed), PURPOSE_TAG | purpose];
      for (const index of indices) key.push(...words(index));
      return keyedStream(key);
    },
  };
}

/** MurmurHash3's 32-bit finaliser, the key hash of version 1. */
function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Version 1's stream of a key of numbers: the key folded into one word (integers up to 2^53 fold
 * exactly, low and high 32-bit halves), three state words derived from it and the counter at 1,
 * then the same 12-output warm-up. Kept only so runs stored before versions replay bit for bit.
 */
function legacyKeyedStream(parts: readonly number[]): Sfc32 {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(part / 0x1_0000_0000) >>> 0;
    h = fmix32(h ^ fmix32(lo + 0x7f4a7c15));
    h = fmix32(h ^ fmix32(hi + 0x2545f491));
  }
  const rng = new Sfc32(fmix32(h ^ 0x243f6a88), fmix32(h ^ 0x85a308d3), fmix32(h ^ 0x13198a2e), 1);
  for (let i = 0; i < 12; i += 1) rng.next();
  return rng;
}

/**
 * The noise generator for (seed, step, index, lane), in every stream version. All are safe
 * integers (step, index, lane >= 0). Lanes from {@link NOISE_LANE} up are the gradient noise's.
 */
export function streamFor(seed: number, step: number, index: number, lane = 0): Sfc32 {
  return keyedStream([...words(seed), ...words(step), index >>> 0, lane >>> 0]);
}

/**
 * The 32-bit word that stands for a tensor in its noise key from stream version 2 on: a hash of its
 * checkpoint name (UTF-16 code units, then the length), e.g. `layer0/kernel`. Callers refuse a
 * model where two names collide, so no two tensors share noise.
 */
export function tensorNameKey(name: string): number {
  let h = mix32(TENSOR_NAME_TAG);
  for (let i = 0; i < name.length; i += 1) h = mix32((h ^ name.charCodeAt(i)) + 0x632be5ab);
  return mix32(h ^ name.length);
}

/** Starts {@link tensorNameKey}'s hash ("tens"), an arbitrary tag. */
const TENSOR_NAME_TAG = 0x74656e73;

/** The first of the three lanes reserved for the gradient noise (an arbitrary tag, "noi\0"). */
export const NOISE_LANE = 0x6e6f6900;

/**
 * The three generators (lanes NOISE_LANE + 0, 1, 2) that produce the `ziggurat` noise of tensor
 * `index` at optimizer step `step` (see `optim/gaussian.ts` for what each lane draws). The
 * `box-muller` kernel seeds its own lanes with the same hash in WebAssembly (`optim/box-muller.wat`).
 */
export function noiseStreams(seed: number, step: number, index: number): [Sfc32, Sfc32, Sfc32] {
  return [0, 1, 2].map((k) => streamFor(seed, step, index, NOISE_LANE + k)) as [Sfc32, Sfc32, Sfc32];
}

/** Tags {@link philoxKey}'s hash key ("phx\0"), an arbitrary tag. */
const PHILOX_TAG = 0x70687800;

/**
 * The Philox4x32-10 key (k0, k1) of the `philox` noise of tensor `index` (its noise-key word, as
 * for the other generators) in the run seeded `seed`: the first two outputs of {@link keyedStream}
 * of the words [seed low, seed high, index, PHILOX_TAG]. Four words: never the key of a noise
 * stream (six) nor of a version-2 purpose (odd). The step is not in the key but in the counter
 * (`optim/philox.ts`), so a tensor keeps one key for the whole run and its (step, block) counters
 * never repeat under it.
 */
export function philoxKey(seed: number, index: number): [number, number] {
  const stream = keyedStream([...words(seed), index >>> 0, PHILOX_TAG]);
  return [stream.uint32(), stream.uint32()];
}
