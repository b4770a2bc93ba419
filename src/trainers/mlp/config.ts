import { compileImageDataConfig, type ImageDataConfig } from '../shared/image-data.js';
import { INIT_SCHEMES, type InitScheme } from '../shared/init.js';
import { integerIn, numberIn, oneOf, recordWithKeys } from '../shared/validate.js';

/**
 * Config of the `mlp` trainer: the deep fully connected ReLU network of paper §4.1 on 28×28
 * digits (784 inputs, 10 classes, softmax cross-entropy). Every field is optional in a request;
 * the defaults are the paper's setup.
 */
export interface MlpConfig {
  /** Hidden layers. Default 20 (paper §4.1). Integer in [1, 200]. */
  readonly depth: number;
  /** Units per hidden layer. Default 50 (paper §4.1). Integer in [1, 4096]. */
  readonly width: number;
  /**
   * Weight initialisation (see `shared/init.ts`): `simple` = N(0, 0.1²) (default, the paper's
   * Simple Init; 0.1 is the standard deviation), `zero` (Bad Init), `he` (Good Init 2),
   * `sussillo` (Good Init 1). Biases always start at 0.
   */
  readonly init: InitScheme;
  /** Examples per step. Default 100. Integer in [1, 10000]. */
  readonly batchSize: number;
  /** Probability of dropping a hidden unit during training (inverted dropout). Default 0. In [0, 1). */
  readonly dropoutRate: number;
  /** Data source. Default `{source: 'mnist'}`, compiled to the 8,000/2,000 split. */
  readonly data: ImageDataConfig;
}

export const MLP_LIMITS = {
  depth: { min: 1, max: 200 },
  width: { min: 1, max: 4096 },
  batchSize: { min: 1, max: 10_000 },
} as const;

export const MLP_DEFAULTS: MlpConfig = {
  depth: 20,
  width: 50,
  init: 'simple',
  batchSize: 100,
  dropoutRate: 0,
  data: { source: 'mnist' },
};

const KEYS = ['depth', 'width', 'init', 'batchSize', 'dropoutRate', 'data'];

/** Validates an `mlp` config (already merged over {@link MLP_DEFAULTS}) and fills the data sizes. */
export function compileMlpConfig(config: unknown): MlpConfig {
  const record = recordWithKeys('', config, KEYS);
  return {
    depth: integerIn('depth', record.depth, MLP_LIMITS.depth.min, MLP_LIMITS.depth.max),
    width: integerIn('width', record.width, MLP_LIMITS.width.min, MLP_LIMITS.width.max),
    init: oneOf('init', record.init, INIT_SCHEMES),
    batchSize: integerIn('batchSize', record.batchSize, MLP_LIMITS.batchSize.min, MLP_LIMITS.batchSize.max),
    dropoutRate: numberIn('dropoutRate', record.dropoutRate, 0, 1, false),
    data: compileImageDataConfig('data', record.data),
  };
}
