import { type ConfigSchema, schemaDefaults } from '../schema/index.js';

/** Config of the `smoke` trainer: a small MLP on seeded Gaussian blobs. See {@link SMOKE_SCHEMA}. */
export interface SmokeConfig {
  readonly hiddenUnits: number;
  readonly layers: number;
  readonly batchSize: number;
  readonly inputs: number;
  readonly classes: number;
  readonly trainSize: number;
  readonly testSize: number;
}

export const SMOKE_SCHEMA: ConfigSchema = {
  hiddenUnits: { kind: 'int', default: 16, min: 1, max: 1024, doc: 'Units per hidden layer.' },
  layers: { kind: 'int', default: 1, min: 0, max: 16, doc: 'Hidden layers (0 is logistic regression).' },
  batchSize: { kind: 'int', default: 32, min: 1, max: 4096, doc: 'Examples per step.' },
  inputs: { kind: 'int', default: 8, min: 1, max: 256, doc: 'Input features.' },
  classes: { kind: 'int', default: 2, min: 2, max: 10, doc: 'Classes (one blob each).' },
  trainSize: { kind: 'int', default: 1024, min: 1, max: 100_000, doc: 'Training samples.' },
  testSize: { kind: 'int', default: 512, min: 1, max: 100_000, doc: 'Test samples.' },
};

/** The schema's defaults. */
export const SMOKE_DEFAULTS = schemaDefaults(SMOKE_SCHEMA) as unknown as SmokeConfig;
