import { defineTrainer } from '../define.js';
import type { MetricDeclaration } from '../schema/index.js';
import type { TrainerDefinition } from '../types.js';
import { NRAM_SCHEMA, type NramConfig, refineNramConfig } from './config.js';
import { NramSession } from './session.js';

/**
 * The task generator is unbounded, so an "epoch" is a convention: this many fresh examples.
 * It only converts a budget given in epochs into steps.
 */
export const NRAM_EXAMPLES_PER_EPOCH = 10_000;

/**
 * What a session reports (`session.ts`). `curriculum_length` is the frontier after the step's
 * curriculum update, per step and again by each evaluation (equal, one point per step).
 */
const NRAM_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'loss',
    when: 'step',
    direction: 'min',
    finite: true,
    doc: 'Expected NLL of cell 2 under the stopping distribution, minus the entropy bonus.',
  },
  { name: 'train_accuracy', when: 'step', direction: 'max', doc: 'Step examples with cell 2 right.' },
  { name: 'curriculum_length', when: 'step', direction: 'max', doc: 'Frontier list length.' },
  {
    name: 'test_accuracy',
    when: 'evaluation',
    direction: 'max',
    doc: 'Fixed test set at maxListLength with cell 2 right (1: solved, paper Table 4).',
  },
  {
    name: 'test_loss',
    when: 'evaluation',
    direction: 'min',
    finite: true,
    doc: 'Expected NLL of cell 2 on the test set.',
  },
];

/**
 * The NRAM trainer on the k-th element of a linked list (paper §4.4, Table 4). The paper trains
 * with Adam and adds annealed noise η = 0.01, γ = 0.55 after clipping the gradients, which it
 * calls crucial (§4.4); the clip's bound here is this implementation's choice (see README.md).
 */
export const nramTrainer: TrainerDefinition<NramConfig> = defineTrainer<NramConfig>({
  name: 'nram',
  description: 'Neural Random-Access Machine finding the k-th element of a linked list (ListK)',
  paperSection: '§4.4',
  schema: NRAM_SCHEMA,
  metrics: NRAM_METRICS,
  defaultMaxSteps: 5_000,
  defaultNoise: { eta: 0.01, gamma: 0.55 },
  defaultOptimizer: { kind: 'adam', learningRate: 0.01 },
  defaultClip: { byGlobalNorm: 10 },
  refine: refineNramConfig,
  stepsPerEpoch: (config) => Math.ceil(NRAM_EXAMPLES_PER_EPOCH / config.batchSize),
  examplesPerStep: (config) => config.batchSize,
  create: async (config, context) => new NramSession(config, context),
});
