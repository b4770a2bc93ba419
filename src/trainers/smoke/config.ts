import { integerIn, recordWithKeys } from '../shared/validate.js';

/** Config of the `smoke` trainer: a small MLP on seeded Gaussian blobs. */
export interface SmokeConfig {
  /** Units per hidden layer. Default 16. Integer in [1, 1024]. */
  readonly hiddenUnits: number;
  /** Hidden layers. Default 1. Integer in [0, 16] (0 is logistic regression). */
  readonly layers: number;
  /** Examples per step. Default 32. Integer in [1, 4096]. */
  readonly batchSize: number;
  /** Input features. Default 8. Integer in [1, 256]. */
  readonly inputs: number;
  /** Classes (one blob each). Default 2. Integer in [2, 10]. */
  readonly classes: number;
  /** Training samples. Default 1024. Integer in [1, 100000]. */
  readonly trainSize: number;
  /** Test samples. Default 512. Integer in [1, 100000]. */
  readonly testSize: number;
}

export const SMOKE_DEFAULTS: SmokeConfig = {
  hiddenUnits: 16,
  layers: 1,
  batchSize: 32,
  inputs: 8,
  classes: 2,
  trainSize: 1024,
  testSize: 512,
};

const KEYS = Object.keys(SMOKE_DEFAULTS);

/** Validates a `smoke` config (already merged over {@link SMOKE_DEFAULTS}). */
export function compileSmokeConfig(config: unknown): SmokeConfig {
  const record = recordWithKeys('', config, KEYS);
  return {
    hiddenUnits: integerIn('hiddenUnits', record.hiddenUnits, 1, 1024),
    layers: integerIn('layers', record.layers, 0, 16),
    batchSize: integerIn('batchSize', record.batchSize, 1, 4096),
    inputs: integerIn('inputs', record.inputs, 1, 256),
    classes: integerIn('classes', record.classes, 2, 10),
    trainSize: integerIn('trainSize', record.trainSize, 1, 100_000),
    testSize: integerIn('testSize', record.testSize, 1, 100_000),
  };
}
