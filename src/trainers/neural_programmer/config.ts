import { invalidArgument } from '../../core/index.js';
import { TABLE_TEMPLATES, type TableTemplates } from '../../data/tasks/index.js';
import { type ConfigSchema, schemaDefaults } from '../schema/index.js';

/**
 * Options of the Neural Programmer trainer (paper §4.3; model of Neelakantan, Le & Sutskever,
 * 2016). The defaults follow the paper's five-column setting, shrunk where a 2-core CPU needs it
 * (hidden size); see README.md for the paper's values.
 */
export interface NeuralProgrammerConfig {
  /** Numeric columns of every table: 1 (the single-column experiment), 3 or 5 (Table 3). */
  readonly columns: number;
  /** Adds a column of words and the text-match operation (Table 3's "text entries"). */
  readonly textColumn: boolean;
  /** Most rows of a table; each table has between ⌈rows/3⌉ and `rows` (paper: 10–30). */
  readonly rows: number;
  /** Which question templates are drawn (`sum_count`, `filtered`, `full`). */
  readonly templates: TableTemplates;
  /** Training values are integers in [−maxValue, maxValue]; test values in twice that range. */
  readonly maxValue: number;
  /** Width of the word embeddings, both RNNs and the selectors. */
  readonly hiddenSize: number;
  /** Program steps T (paper: 4). */
  readonly steps: number;
  /** δ of the Huber loss on scalar answers. */
  readonly huberDelta: number;
  /** λ: weight of the lookup (log) loss against the scalar (Huber) loss. */
  readonly lambda: number;
  /** Dropout rate on the question vector and the history states, training only; 0 turns it off. */
  readonly dropout: number;
  /** Training questions (paper: about 10k). */
  readonly datasetSize: number;
  /** Questions in each of the validation and the test set. */
  readonly evalSize: number;
  /** Questions per optimizer step. */
  readonly batchSize: number;
  /**
   * A JSON Lines file of the user's own tables and questions (schema in
   * `src/data/tasks/table-jsonl.ts`), under the server's data roots; its splits replace the
   * generated sets, and `datasetSize`, `evalSize`, `templates` and `maxValue` are then unused.
   * Unset: generated questions.
   */
  readonly dataFile?: string;
  /**
   * Solved (the run stops early) at the first evaluation whose test accuracy is at least this; the
   * paper counts runs that reach 100 %. Unset: train the whole budget.
   */
  readonly solvedAccuracy?: number;
}

export const NEURAL_PROGRAMMER_LIMITS = {
  columns: 5,
  rows: 100,
  maxValue: 10_000,
  hiddenSize: 512,
  steps: 8,
  datasetSize: 200_000,
  evalSize: 20_000,
  batchSize: 1024,
} as const;

export const NEURAL_PROGRAMMER_SCHEMA: ConfigSchema = {
  columns: {
    kind: 'int',
    default: 5,
    min: 1,
    max: NEURAL_PROGRAMMER_LIMITS.columns,
    doc: 'Numeric columns per table (paper: 1, 3 or 5).',
  },
  textColumn: { kind: 'bool', default: false, doc: 'Adds a text column and the text-match operation.' },
  rows: {
    kind: 'int',
    default: 30,
    min: 3,
    max: NEURAL_PROGRAMMER_LIMITS.rows,
    doc: 'Most rows per table; tables have ceil(rows/3) to rows rows (paper: 10-30).',
  },
  templates: {
    kind: 'enum',
    choices: TABLE_TEMPLATES,
    default: 'full',
    protoEnumPrefix: 'NEURAL_PROGRAMMER_TEMPLATES_',
    doc: 'Question templates: sum_count (no filter), filtered (greater/lesser), full (all, with differences).',
  },
  maxValue: {
    kind: 'int',
    default: 100,
    min: 1,
    max: NEURAL_PROGRAMMER_LIMITS.maxValue,
    doc: 'Training values in [-maxValue, maxValue], test values in twice that (paper: 100).',
  },
  hiddenSize: {
    kind: 'int',
    default: 64,
    min: 2,
    max: NEURAL_PROGRAMMER_LIMITS.hiddenSize,
    doc: 'Embedding, RNN and selector width (paper: 256).',
  },
  steps: {
    kind: 'int',
    default: 4,
    min: 1,
    max: NEURAL_PROGRAMMER_LIMITS.steps,
    doc: 'Program steps T (paper: 4).',
  },
  huberDelta: {
    kind: 'float',
    default: 10,
    min: 1e-3,
    max: 1e6,
    doc: 'Delta of the Huber loss on scalar answers (paper grid: 10, 25, 50).',
  },
  lambda: {
    kind: 'float',
    default: 50,
    min: 0,
    max: 1e6,
    doc: 'Weight of the lookup log-loss against the scalar Huber loss (paper grid: 25-100).',
  },
  dropout: {
    kind: 'float',
    default: 0,
    min: 0,
    max: 0.9,
    doc: 'Dropout on the question vector and history states, training only; 0 turns it off.',
  },
  datasetSize: {
    kind: 'int',
    default: 10_000,
    min: 1,
    max: NEURAL_PROGRAMMER_LIMITS.datasetSize,
    doc: 'Training questions (paper: about 10k).',
  },
  evalSize: {
    kind: 'int',
    default: 1000,
    min: 1,
    max: NEURAL_PROGRAMMER_LIMITS.evalSize,
    doc: 'Questions in each of the validation and test sets.',
  },
  batchSize: {
    kind: 'int',
    default: 20,
    min: 1,
    max: NEURAL_PROGRAMMER_LIMITS.batchSize,
    doc: 'Questions per optimizer step; at most datasetSize.',
  },
  dataFile: {
    kind: 'string',
    doc: 'A JSON Lines file of own tables and questions (see the trainer README) replacing the generated sets.',
  },
  solvedAccuracy: {
    kind: 'float',
    min: 0,
    max: 1,
    doc: 'Solved (the run stops early) once test_accuracy reaches this; unset: train the whole budget.',
  },
};

export const NEURAL_PROGRAMMER_DEFAULTS = schemaDefaults(
  NEURAL_PROGRAMMER_SCHEMA,
) as unknown as NeuralProgrammerConfig;

/** The rule across fields: a batch fits in the training set. */
export function refineNeuralProgrammerConfig(config: NeuralProgrammerConfig): NeuralProgrammerConfig {
  if (config.batchSize > config.datasetSize) {
    throw invalidArgument(
      'batchSize',
      config.batchSize,
      `an integer in [1, datasetSize = ${config.datasetSize}]`,
    );
  }
  return config;
}

/** Fewest rows of a table: a third of `rows`, rounded up (10 for the paper's 30). */
export function minRows(config: NeuralProgrammerConfig): number {
  return Math.ceil(config.rows / 3);
}
