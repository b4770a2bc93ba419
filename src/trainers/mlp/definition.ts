import { defineTrainer } from '../define.js';
import { stepsPerEpoch } from '../shared/batching.js';
import { CLASSIFIER_METRICS } from '../shared/classifier-metrics.js';
import { ClassifierSession } from '../shared/classifier-session.js';
import { DenseNet } from '../shared/dense-net.js';
import { checkImageData, loadImageData } from '../shared/image-data.js';
import type { TrainerDefinition } from '../types.js';
import { MLP_SCHEMA, type MlpConfig, refineMlpConfig } from './config.js';
import { NativeMlpSession } from './native-session.js';

/**
 * The `mlp` trainer: paper §4.1, a 20 × 50 ReLU network on MNIST trained with SGD (default learning
 * rate 0.1, no clipping), with and without annealed gradient noise (η = 0.01, γ = 0.55 worked best
 * there).
 *
 * `preflight` and `stepsPerEpoch` read only file headers (for `idx` without `trainSize`,
 * `stepsPerEpoch` needs the file's count, so it does that read synchronously; a few kilobytes).
 * Each of them, and `create`, checks the `idx` directory against the data root policy it is given
 * before reading.
 *
 * Default budget: 10,000 steps. The paper gives no step count; 10,000 steps of batch 100 are 125
 * epochs of the 8,000-digit split (≈ 17 epochs of a 60,000-image IDX set), enough for Simple Init
 * at learning rate 0.1 to leave its initial plateau, and a matter of minutes on the wasm backend
 * (docs/benchmarks.md, "Figures behind the code").
 *
 * With the `native` backend's dense-stack kernels (`context.denseKernels`) the step's forward and
 * backward pass run in the native addon (`native-session.ts`), unless dropout is on (the addon has
 * no dropout): then the tfjs step runs, on the wasm backend under `native`.
 */
export const mlpTrainer: TrainerDefinition<MlpConfig> = defineTrainer<MlpConfig>({
  name: 'mlp',
  description: 'Deep fully connected ReLU network (default 20×50) on 28×28 digits, softmax cross-entropy',
  paperSection: '§4.1',
  schema: MLP_SCHEMA,
  metrics: CLASSIFIER_METRICS,
  defaultMaxSteps: 10_000,
  // §4.1: SGD without momentum at 0.1 or 0.01; 0.01 "usually gives very slow convergence".
  defaultOptimizer: { kind: 'sgd', learningRate: 0.1 },
  // No clipping by default: Table 1, Experiment 1 (Simple Init, no gradient clip).
  defaultNoise: { eta: 0.01, gamma: 0.55 },
  refine: refineMlpConfig,
  async preflight(config, dataRoots) {
    checkImageData('data', config.data, dataRoots);
  },
  stepsPerEpoch(config, dataRoots) {
    return stepsPerEpoch(checkImageData('data', config.data, dataRoots), config.batchSize);
  },
  examplesPerStep: (config) => config.batchSize,
  async create(config, context) {
    const data = await loadImageData('data', config.data, context.dataRoots);
    const sizes = [
      data.train.features,
      ...Array.from({ length: config.depth }, () => config.width),
      data.classes,
    ];
    const net = new DenseNet({ sizes, init: config.init, streams: context.streams });
    const session = new ClassifierSession({
      net,
      data,
      batchSize: config.batchSize,
      dropoutRate: config.dropoutRate,
      streams: context.streams,
      optimizer: context.optimizer,
    });
    const kernels = context.denseKernels;
    if (kernels === undefined || config.dropoutRate > 0) return session;
    const { batchSize } = config;
    const { optimizer } = context;
    return new NativeMlpSession({ session, net, sizes, batchSize, data, optimizer, kernels });
  },
});
