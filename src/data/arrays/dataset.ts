import { join } from 'node:path';
import { AppError } from '../../core/index.js';
import { loadIdxDir, preflightIdxSync } from '../idx.js';
import { loadMnistDigits, MNIST_TEST_SIZE, MNIST_TRAIN_SIZE } from '../mnist.js';
import { checkDataPath, type DataRootPolicy } from '../roots.js';
import type { LabeledSet } from '../types.js';
import { parseCsv } from './csv.js';
import { readWholeSync } from './files.js';
import { loadNumpy, type NumpyArrayName, numpyShapes } from './numpy.js';

/**
 * Tensor data sets for models the user describes (the `layers` trainer): inputs `x` and targets
 * `y` of any per-sample shape, split into train and test as the files define.
 *
 * Sources (`path` is checked against the reader's data root policy before anything is opened):
 * - `mnist`: the bundled 8,000 / 2,000 digits (src/data/mnist.ts), x 28×28 in [0, 1], y the class;
 * - `idx`: the four IDX files of the directory `path` (src/data/idx.ts), shaped like `mnist`;
 * - `npy`: `x_train.npy`, `y_train.npy`, `x_test.npy`, `y_test.npy` in the directory `path`;
 * - `npz`: those four arrays as members of the archive `path`;
 * - `csv`: `train.csv` and `test.csv` in the directory `path`, a header line, the column
 *   `labelColumn` as y (per-sample shape `[]`) and every other column as x.
 */
export type ArrayFormat = 'mnist' | 'idx' | 'npy' | 'npz' | 'csv';
export const ARRAY_FORMATS: readonly ArrayFormat[] = ['mnist', 'idx', 'npy', 'npz', 'csv'];

/** Where a data set is: its format, its file or directory, and for CSV the label column. */
export interface ArraySource {
  readonly format: ArrayFormat;
  readonly path?: string;
  readonly labelColumn?: string;
}

/** One split: `count` samples of `x` (each `xShape`) and `y` (each `yShape`), row-major float32. */
export interface ArraySet {
  readonly x: Float32Array;
  readonly xShape: readonly number[];
  readonly y: Float32Array;
  readonly yShape: readonly number[];
  readonly count: number;
}

export interface ArraySplit {
  readonly train: ArraySet;
  readonly test: ArraySet;
}

/** What the headers say: sample counts and per-sample shapes, as checked against a model. */
export interface ArraySummary {
  readonly trainCount: number;
  readonly testCount: number;
  readonly xShape: readonly number[];
  readonly yShape: readonly number[];
}

const IMAGE_SHAPE = [28, 28] as const;

function invalid(where: string, problem: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${where}: ${problem}`);
}

function pathOf(source: ArraySource, roots: DataRootPolicy, field: string): string {
  const path = source.path ?? '';
  checkDataPath(roots, field, path);
  return path;
}

/**
 * Counts and shapes from headers (the whole file for CSV), with the arrays' agreement checked:
 * x and y of a split hold as many samples, and train and test have the same per-sample shapes.
 * Synchronous, for preflight and `stepsPerEpoch`.
 */
export function summarizeArrays(source: ArraySource, roots: DataRootPolicy, field = 'path'): ArraySummary {
  switch (source.format) {
    case 'mnist':
      return { trainCount: MNIST_TRAIN_SIZE, testCount: MNIST_TEST_SIZE, xShape: IMAGE_SHAPE, yShape: [] };
    case 'idx': {
      const { trainCount, testCount } = preflightIdxSync(pathOf(source, roots, field), roots, field);
      return { trainCount, testCount, xShape: IMAGE_SHAPE, yShape: [] };
    }
    case 'npy':
    case 'npz': {
      const path = pathOf(source, roots, field);
      return agree(path, numpyShapes(source.format, path));
    }
    case 'csv': {
      const split = readCsvSplit(source, pathOf(source, roots, field));
      return summaryOf(split);
    }
  }
}

/** Loads the whole data set as float32. */
export async function loadArrays(
  source: ArraySource,
  roots: DataRootPolicy,
  field = 'path',
): Promise<ArraySplit> {
  switch (source.format) {
    case 'mnist':
      return fromLabeled(await loadMnistDigits());
    case 'idx':
      return fromLabeled(await loadIdxDir(pathOf(source, roots, field), roots, field));
    case 'npy':
    case 'npz': {
      const path = pathOf(source, roots, field);
      const arrays = loadNumpy(source.format, path);
      agree(path, {
        x_train: arrays.x_train.shape,
        y_train: arrays.y_train.shape,
        x_test: arrays.x_test.shape,
        y_test: arrays.y_test.shape,
      });
      const set = (x: NumpyArrayName, y: NumpyArrayName): ArraySet => ({
        x: arrays[x].values,
        xShape: arrays[x].shape.slice(1),
        y: arrays[y].values,
        yShape: arrays[y].shape.slice(1),
        count: arrays[x].shape[0] as number,
      });
      return { train: set('x_train', 'y_train'), test: set('x_test', 'y_test') };
    }
    case 'csv':
      return readCsvSplit(source, pathOf(source, roots, field));
  }
}

/** The first `count` samples of a set, as views. */
export function firstSamples(set: ArraySet, count: number): ArraySet {
  if (count >= set.count) return set;
  const xSize = set.xShape.reduce((a, b) => a * b, 1);
  const ySize = set.yShape.reduce((a, b) => a * b, 1);
  return { ...set, x: set.x.subarray(0, count * xSize), y: set.y.subarray(0, count * ySize), count };
}

function fromLabeled(split: { train: LabeledSet; test: LabeledSet }): ArraySplit {
  const set = (s: LabeledSet): ArraySet => ({
    x: s.inputs,
    xShape: IMAGE_SHAPE,
    y: Float32Array.from(s.labels),
    yShape: [],
    count: s.count,
  });
  return { train: set(split.train), test: set(split.test) };
}

function agree(path: string, shapes: Readonly<Record<NumpyArrayName, readonly number[]>>): ArraySummary {
  for (const [name, shape] of Object.entries(shapes)) {
    if (shape.length === 0)
      throw invalid(path, `${name} is a scalar; allowed: an array whose first axis is the samples`);
  }
  const shape = (s: readonly number[]) => `(${s.join(', ')})`;
  for (const split of ['train', 'test'] as const) {
    const x = shapes[`x_${split}`];
    const y = shapes[`y_${split}`];
    if (x[0] !== y[0]) {
      throw invalid(path, `x_${split} has ${x[0]} samples but y_${split} has ${y[0]}; they must match`);
    }
    if (x[0] === 0) throw invalid(path, `x_${split} holds no samples`);
  }
  for (const v of ['x', 'y'] as const) {
    const train = shapes[`${v}_train`].slice(1);
    const test = shapes[`${v}_test`].slice(1);
    if (shape(train) !== shape(test)) {
      throw invalid(
        path,
        `${v}_train has samples of shape ${shape(train)} but ${v}_test ${shape(test)}; they must match`,
      );
    }
  }
  return {
    trainCount: shapes.x_train[0] as number,
    testCount: shapes.x_test[0] as number,
    xShape: shapes.x_train.slice(1),
    yShape: shapes.y_train.slice(1),
  };
}

function summaryOf(split: ArraySplit): ArraySummary {
  return {
    trainCount: split.train.count,
    testCount: split.test.count,
    xShape: split.train.xShape,
    yShape: split.train.yShape,
  };
}

function readText(path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readWholeSync(path));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw invalid(path, 'not UTF-8 text');
  }
}

/** `train.csv` and `test.csv` of `dir`, which must have the same header. */
function readCsvSplit(source: ArraySource, dir: string): ArraySplit {
  const label = source.labelColumn ?? '';
  const read = (name: string): ArraySet & { columns: readonly string[] } => {
    const path = join(dir, name);
    const table = parseCsv(path, readText(path), label);
    return {
      x: table.x,
      xShape: [table.features],
      y: table.y,
      yShape: [],
      count: table.count,
      columns: table.columns,
    };
  };
  const train = read('train.csv');
  const test = read('test.csv');
  if (train.columns.join(',') !== test.columns.join(',')) {
    throw invalid(
      join(dir, 'test.csv'),
      `line 1: columns ${test.columns.join(', ')} differ from train.csv's ${train.columns.join(', ')}`,
    );
  }
  return { train, test };
}
