import { type ConfigSchema, schemaDefaults } from '../schema/index.js';
import { IMAGE_DATA_FIELD, type ImageDataConfig, refineImageDataConfig } from '../shared/image-data.js';
import { INIT_SCHEMES, type InitScheme } from '../shared/init.js';

/**
 * Config of the `mlp` trainer: the deep fully connected ReLU network of paper §4.1 on 28×28
 * digits (784 inputs, 10 classes, softmax cross-entropy). Every field is optional in a request;
 * the defaults are the paper's setup. Fields, ranges and defaults: {@link MLP_SCHEMA}.
 */
export interface MlpConfig {
  readonly depth: number;
  readonly width: number;
  /** See `shared/init.ts`. Biases always start at 0. */
  readonly init: InitScheme;
  readonly batchSize: number;
  readonly dropoutRate: number;
  readonly data: ImageDataConfig;
}

export const MLP_LIMITS = {
  depth: { min: 1, max: 200 },
  width: { min: 1, max: 4096 },
  batchSize: { min: 1, max: 10_000 },
} as const;

export const MLP_SCHEMA: ConfigSchema = {
  depth: { kind: 'int', default: 20, ...MLP_LIMITS.depth, doc: 'Hidden layers (paper §4.1: 20).' },
  width: { kind: 'int', default: 50, ...MLP_LIMITS.width, doc: 'Units per hidden layer (paper §4.1: 50).' },
  init: {
    kind: 'enum',
    choices: INIT_SCHEMES,
    default: 'simple',
    protoEnumPrefix: 'MLP_INIT_',
    doc: 'Weight init: simple N(0, 0.1²) (Simple Init), zero (Bad Init), he (Good Init 2), sussillo (Good Init 1).',
  },
  batchSize: { kind: 'int', default: 100, ...MLP_LIMITS.batchSize, doc: 'Examples per step.' },
  dropoutRate: {
    kind: 'float',
    default: 0,
    min: 0,
    max: 1,
    maxExclusive: true,
    doc: 'Probability of dropping a hidden unit during training (inverted dropout).',
  },
  data: IMAGE_DATA_FIELD,
};

/** The schema's defaults: `data` is `{source: 'mnist'}`, compiled to the 8,000/2,000 split. */
export const MLP_DEFAULTS = schemaDefaults(MLP_SCHEMA) as unknown as MlpConfig;

/** The rules beyond the schema: those of the data source. */
export function refineMlpConfig(config: MlpConfig): MlpConfig {
  return { ...config, data: refineImageDataConfig('data', config.data) };
}
