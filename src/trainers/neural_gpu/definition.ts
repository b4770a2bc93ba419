import type { TrainerDefinition } from '../types.js';
import { compileNeuralGpuConfig, NEURAL_GPU_DEFAULTS, type NeuralGpuConfig } from './config.js';
import { NeuralGpuSession } from './session.js';

/**
 * The task generator is unbounded, so an "epoch" is a convention: this many fresh examples.
 * It only converts a budget given in epochs into steps.
 */
export const NEURAL_GPU_EXAMPLES_PER_EPOCH = 10_000;

/**
 * The Neural GPU trainer (paper §4.5, Table 5). The paper's optimizer for it is Adam (lr 1e-3,
 * ε 1e-4 in the public implementation) with gradients clipped to global norm 1 before the noise,
 * and noise η = 1.0, γ = 0.55. It runs on every backend, wasm included: its convolution
 * gradients avoid the kernels wasm lacks (see `conv.ts`).
 */
export const neuralGpuTrainer: TrainerDefinition<NeuralGpuConfig> = {
  name: 'neural_gpu',
  description:
    'Neural GPU (convolutional GRU) learning binary multiplication or addition with a length curriculum',
  paperSection: '§4.5',
  defaults: NEURAL_GPU_DEFAULTS,
  defaultMaxSteps: 20_000,
  defaultNoise: { eta: 1.0, gamma: 0.55 },
  // The public implementation's optimizer: Adam, lr 1e-3, eps 1e-4, gradients clipped to global
  // norm 1 (the noise is added after the clip, paper §4.5).
  defaultOptimizer: { kind: 'adam', learningRate: 1e-3, epsilon: 1e-4 },
  defaultClip: { byGlobalNorm: 1.0 },
  compile: compileNeuralGpuConfig,
  stepsPerEpoch: (config) => Math.ceil(NEURAL_GPU_EXAMPLES_PER_EPOCH / config.batchSize),
  create: async (config, context) => new NeuralGpuSession(config, context),
};
