import { defineTrainer } from '../define.js';
import { stepsPerEpoch } from '../shared/batching.js';
import { CLASSIFIER_METRICS } from '../shared/classifier-metrics.js';
import { ClassifierSession } from '../shared/classifier-session.js';
import { DenseNet } from '../shared/dense-net.js';
import type { TrainerDefinition } from '../types.js';
import { gaussianBlobs } from './blobs.js';
import { SMOKE_SCHEMA, type SmokeConfig } from './config.js';

/**
 * The `smoke` trainer: a tiny real classifier (default 8 → 16 → 2, He init) on seeded Gaussian
 * blobs, for service and load tests. A step takes well under a few milliseconds on any backend,
 * the loss falls within the default 200 steps, and it reads no files.
 */
export const smokeTrainer: TrainerDefinition<SmokeConfig> = defineTrainer<SmokeConfig>({
  name: 'smoke',
  description: 'Tiny MLP on seeded Gaussian blobs, for service and load tests',
  paperSection: '§4.1',
  schema: SMOKE_SCHEMA,
  metrics: CLASSIFIER_METRICS,
  defaultMaxSteps: 200,
  defaultOptimizer: { kind: 'sgd', learningRate: 0.1 },
  defaultNoise: { eta: 0.01, gamma: 0.55 },
  stepsPerEpoch(config) {
    return stepsPerEpoch(config.trainSize, config.batchSize);
  },
  examplesPerStep: (config) => config.batchSize,
  async create(config, context) {
    const data = gaussianBlobs(config.inputs, config.classes, config.trainSize, config.testSize);
    const net = new DenseNet({
      sizes: [
        config.inputs,
        ...Array.from({ length: config.layers }, () => config.hiddenUnits),
        config.classes,
      ],
      init: 'he',
      streams: context.streams,
    });
    return new ClassifierSession({
      net,
      data,
      batchSize: config.batchSize,
      dropoutRate: 0,
      streams: context.streams,
      optimizer: context.optimizer,
    });
  },
});
