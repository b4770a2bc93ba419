import { isAbsolute } from 'node:path';
import { invalidArgument } from '../../core/index.js';
import { ARRAY_FORMATS, type ArrayFormat } from '../../data/index.js';
import type { ConfigSchema } from '../schema/index.js';
import { MAX_MODEL_JSON_CHARS } from './topology/index.js';

/** The losses, by their Keras names. */
export const LAYERS_LOSSES = [
  'sparse_categorical_crossentropy',
  'categorical_crossentropy',
  'binary_crossentropy',
  'mean_squared_error',
] as const;
export type LayersLoss = (typeof LAYERS_LOSSES)[number];

/** Where the `layers` trainer reads its data (see `src/data/arrays`). */
export interface LayersDataConfig {
  readonly format: ArrayFormat;
  /** The `.npz` file, or the directory of the IDX, `.npy` or CSV files; absent for `mnist`. */
  readonly path?: string;
  /** CSV only: the column holding y. */
  readonly labelColumn?: string;
  readonly trainSize?: number;
  readonly testSize?: number;
}

/**
 * Config of the `layers` trainer: a model the user describes as a Keras / tfjs-layers topology
 * (JSON text), a loss, the metrics to report, and a data set on the server. Fields, ranges and
 * defaults: {@link LAYERS_SCHEMA}.
 */
export interface LayersConfig {
  /** The topology JSON text (tf.keras ≤ 2.15 `model.to_json()`, tfjs `model.toJSON()`). */
  readonly model: string;
  readonly loss: LayersLoss;
  /** The model outputs logits: the loss applies softmax / sigmoid itself (Keras' `from_logits`). */
  readonly fromLogits: boolean;
  readonly metrics: { readonly accuracy: boolean; readonly mse: boolean };
  readonly batchSize: number;
  readonly data: LayersDataConfig;
}

/** A two-layer perceptron on the bundled digits (784 → 64 ReLU → 10 softmax), in tfjs' own format. */
export const DEFAULT_MODEL = JSON.stringify({
  class_name: 'Sequential',
  config: {
    name: 'mlp',
    layers: [
      {
        class_name: 'InputLayer',
        config: { name: 'input', batch_input_shape: [null, 784], dtype: 'float32' },
      },
      { class_name: 'Dense', config: { name: 'hidden', units: 64, activation: 'relu' } },
      { class_name: 'Dense', config: { name: 'output', units: 10, activation: 'softmax' } },
    ],
  },
  keras_version: 'tfjs-layers 4.22.0',
  backend: 'tensor_flow.js',
});

export const MAX_SAMPLES = 100_000_000;

export const LAYERS_SCHEMA: ConfigSchema = {
  model: {
    kind: 'string',
    default: DEFAULT_MODEL,
    maxLength: MAX_MODEL_JSON_CHARS,
    doc: 'Model topology JSON (tf.keras ≤ 2.15 model.to_json() or tfjs model.toJSON()); default: 784-64-10 MLP.',
  },
  loss: {
    kind: 'enum',
    choices: LAYERS_LOSSES,
    default: 'sparse_categorical_crossentropy',
    protoEnumPrefix: 'LAYERS_LOSS_',
    doc: 'Loss, as Keras computes it: sparse or one-hot categorical cross-entropy, binary cross-entropy, MSE.',
  },
  fromLogits: {
    kind: 'bool',
    default: false,
    doc: 'The output is logits and the loss applies softmax/sigmoid (Keras from_logits); else probabilities.',
  },
  metrics: {
    kind: 'object',
    doc: 'Evaluation metrics on both splits, besides the loss.',
    fields: {
      accuracy: {
        kind: 'bool',
        default: true,
        doc: 'Accuracy as Keras picks it for the loss: argmax match, or 0.5 threshold for one output.',
      },
      mse: { kind: 'bool', default: false, doc: 'Mean squared error between the output and y.' },
    },
  },
  batchSize: { kind: 'int', default: 32, min: 1, max: 65_536, doc: 'Examples per step (Keras default 32).' },
  data: {
    kind: 'object',
    doc: 'The data set: x_train, y_train, x_test, y_test on the server, inside its data roots.',
    fields: {
      format: {
        kind: 'enum',
        choices: ARRAY_FORMATS,
        default: 'mnist',
        protoEnumPrefix: 'LAYERS_DATA_FORMAT_',
        doc: 'mnist (bundled digits), idx (directory), npy (directory of 4 .npy), npz (file), csv (train.csv, test.csv).',
      },
      path: {
        kind: 'string',
        doc: 'Absolute path: the .npz file, or the directory of the idx, npy or csv files; absent for mnist.',
      },
      labelColumn: { kind: 'string', maxLength: 256, doc: 'csv only: the name of the column holding y.' },
      trainSize: {
        kind: 'int',
        min: 1,
        max: MAX_SAMPLES,
        doc: 'Use only the first this many training samples.',
      },
      testSize: { kind: 'int', min: 1, max: MAX_SAMPLES, doc: 'Use only the first this many test samples.' },
    },
  },
};

/** The rules of `data` beyond its schema: a path where the format needs one, a label column for CSV only. */
export function refineDataConfig(data: LayersDataConfig): LayersDataConfig {
  const { format, path, labelColumn } = data;
  if (format === 'mnist') {
    if (path !== undefined) throw invalidArgument('data.path', path, 'absent when format is mnist');
  } else if (typeof path !== 'string' || !isAbsolute(path)) {
    throw invalidArgument('data.path', path, `an absolute path (required when format is ${format})`);
  }
  if (format === 'csv' && (labelColumn === undefined || labelColumn === '')) {
    throw invalidArgument(
      'data.labelColumn',
      labelColumn,
      'the name of a column (required when format is csv)',
    );
  }
  if (format !== 'csv' && labelColumn !== undefined) {
    throw invalidArgument('data.labelColumn', labelColumn, 'absent unless format is csv');
  }
  return data;
}
