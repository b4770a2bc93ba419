import { invalidArgument } from '../../core/index.js';
import { defineTrainer } from '../define.js';
import type { MetricDeclaration } from '../schema/index.js';
import type { TrainerDefinition } from '../types.js';
import {
  NEURAL_PROGRAMMER_SCHEMA,
  type NeuralProgrammerConfig,
  refineNeuralProgrammerConfig,
} from './config.js';
import { NeuralProgrammerSession } from './session.js';
import { trainingQuestions } from './splits.js';

/** What a session reports (`session.ts`); accuracies are of the hard (argmax) program. */
const NEURAL_PROGRAMMER_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'loss',
    when: 'step',
    direction: 'min',
    finite: true,
    doc: 'Huber (scalar) plus λ-weighted log-loss (lookup) of the soft program on the step batch.',
  },
  {
    name: 'train_accuracy',
    when: 'evaluation',
    direction: 'max',
    doc: 'Questions the hard program answers right, on the first evalSize training questions.',
  },
  {
    name: 'validation_accuracy',
    when: 'evaluation',
    direction: 'max',
    doc: 'Hard-program accuracy on the validation set (training value range).',
  },
  {
    name: 'test_accuracy',
    when: 'evaluation',
    direction: 'max',
    doc: 'Hard-program accuracy on the test set (values in twice the training range; paper Table 3).',
  },
];

/**
 * The Neural Programmer trainer (paper §4.3, Table 3). The paper trains it with Adam and noise
 * η = 1.0 added after gradient clipping; γ is the paper's 0.55.
 */
export const neuralProgrammerTrainer: TrainerDefinition<NeuralProgrammerConfig> =
  defineTrainer<NeuralProgrammerConfig>({
    name: 'neural_programmer',
    description: 'Neural Programmer answering questions about synthetic tables with a T-step soft program',
    paperSection: '§4.3',
    schema: NEURAL_PROGRAMMER_SCHEMA,
    metrics: NEURAL_PROGRAMMER_METRICS,
    defaultMaxSteps: 20_000,
    defaultNoise: { eta: 1.0, gamma: 0.55 },
    defaultOptimizer: { kind: 'adam', learningRate: 1e-3 },
    // The noise is added after the clip (paper §4.3).
    defaultClip: { byGlobalNorm: 1.0 },
    refine: refineNeuralProgrammerConfig,
    // Reading a data file here parses it too, so a bad line fails the request, not the run.
    stepsPerEpoch: (config, dataRoots) =>
      Math.max(1, Math.ceil(trainingQuestions(config, dataRoots) / config.batchSize)),
    async preflight(config, dataRoots) {
      if (trainingQuestions(config, dataRoots) === 0) {
        throw invalidArgument('dataFile', config.dataFile, 'a file with at least one train question');
      }
    },
    examplesPerStep: (config) => config.batchSize,
    create: async (config, context) => new NeuralProgrammerSession(config, context),
  });
