import { defineTrainer } from '../define.js';
import type { MetricDeclaration } from '../schema/index.js';
import type { TrainerDefinition } from '../types.js';
import { NEURAL_GPU_SCHEMA, type NeuralGpuConfig, refineNeuralGpuConfig } from './config.js';
import { NeuralGpuSession } from './session.js';

/**
 * The task generator is unbounded, so an "epoch" is a convention: this many fresh examples.
 * It only converts a budget given in epochs into steps.
 */
export const NEURAL_GPU_EXAMPLES_PER_EPOCH = 10_000;

/**
 * What a session reports (`session.ts`). `curriculum_length` is reported by every step and again
 * by each evaluation, both after the step's curriculum decision (so equal; stream version 1 runs
 * reported the frontier before it per step); it is declared per step, and on an evaluation step
 * the evaluation's value is the one stored (one point per name and step).
 */
const NEURAL_GPU_METRICS: readonly MetricDeclaration[] = [
  { name: 'loss', when: 'step', direction: 'min', finite: true, doc: 'Cross-entropy of the step batch.' },
  { name: 'train_bit_error', when: 'step', direction: 'min', doc: 'Wrong output digits in the step batch.' },
  { name: 'train_seq_error', when: 'step', direction: 'min', doc: 'Step examples with any wrong digit.' },
  { name: 'train_length', when: 'step', direction: 'max', doc: 'Operand length of the step batch.' },
  {
    name: 'curriculum_length',
    when: 'step',
    direction: 'max',
    doc: 'Longest length the curriculum reached.',
  },
  {
    name: 'test_bit_error_len{L}',
    when: 'evaluation',
    direction: 'min',
    doc: 'Wrong output digits on the held-out set of operand length L (one per testLengths).',
  },
  {
    name: 'test_seq_error_len{L}',
    when: 'evaluation',
    direction: 'min',
    doc: 'Held-out examples of length L with any wrong digit (paper Table 5 reports it at 200).',
  },
];

/**
 * The Neural GPU trainer (paper §4.5, Table 5). The paper's optimizer for it is Adam (lr 1e-3,
 * ε 1e-4 in the public implementation) with gradients clipped to global norm 1 before the noise,
 * and noise η = 1.0, γ = 0.55. It runs on every backend, wasm included: its convolution
 * gradients avoid the kernels wasm lacks (see `conv.ts`).
 *
 * With the `native` backend's kernels (`context.neuralGpuKernels`) a step's loss and gradients, and
 * the evaluation's predictions, come from the native addon's whole unrolled model in one call
 * (`native-step.ts`); a batch whose workspace would pass the step's limit (4 GiB; the config's
 * limits keep the default far below) trains through tfjs on the wasm backend under `native`.
 */
export const neuralGpuTrainer: TrainerDefinition<NeuralGpuConfig> = defineTrainer<NeuralGpuConfig>({
  name: 'neural_gpu',
  description:
    'Neural GPU (convolutional GRU) learning binary multiplication or addition with a length curriculum',
  paperSection: '§4.5',
  schema: NEURAL_GPU_SCHEMA,
  metrics: NEURAL_GPU_METRICS,
  defaultMaxSteps: 20_000,
  defaultNoise: { eta: 1.0, gamma: 0.55 },
  // The public implementation's optimizer: Adam, lr 1e-3, eps 1e-4, gradients clipped to global
  // norm 1 (the noise is added after the clip, paper §4.5).
  defaultOptimizer: { kind: 'adam', learningRate: 1e-3, epsilon: 1e-4 },
  defaultClip: { byGlobalNorm: 1.0 },
  refine: refineNeuralGpuConfig,
  stepsPerEpoch: (config) => Math.ceil(NEURAL_GPU_EXAMPLES_PER_EPOCH / config.batchSize),
  examplesPerStep: (config) => config.batchSize,
  create: async (config, context) => new NeuralGpuSession(config, context),
});
