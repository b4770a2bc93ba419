import {
  type BabiSplit,
  GENERATED_QUESTIONS,
  generatedBabiSplit,
  loadBabiDir,
  trainingCount,
} from '../../data/babi/index.js';
import type { DataRootPolicy } from '../../data/index.js';
import { defineTrainer } from '../define.js';
import type { MetricDeclaration } from '../schema/index.js';
import { stepsPerEpoch } from '../shared/batching.js';
import type { TrainerDefinition } from '../types.js';
import { MEMN2N_SCHEMA, type MemN2NConfig, refineMemN2NConfig } from './config.js';
import { encodeTask } from './encode.js';
import { MEMN2N_PHASES, MemN2NSession } from './session.js';

const MEMN2N_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'loss',
    when: 'step',
    direction: 'min',
    finite: true,
    doc: 'Cross-entropy of the step batch, summed over its questions (the original objective).',
  },
  { name: 'train_error', when: 'evaluation', direction: 'min', doc: 'Wrong answers on the training split.' },
  {
    name: 'validation_error',
    when: 'evaluation',
    direction: 'min',
    doc: 'Wrong answers on the validation split (the last 10 % of the training questions).',
  },
  {
    name: 'validation_loss',
    when: 'evaluation',
    direction: 'min',
    doc: 'Mean cross-entropy per validation question.',
  },
  { name: 'test_error', when: 'evaluation', direction: 'min', doc: 'Wrong answers on the test split.' },
];

/** The stories of a compiled config; files are read only under `dataRoots`. */
export function loadMemN2NData(config: MemN2NConfig, dataRoots: DataRootPolicy): BabiSplit {
  if (config.data.source === 'generated') return generatedBabiSplit(config.task);
  return loadBabiDir(config.data.dir as string, config.task, dataRoots, 'data.dir');
}

/** Training questions of a generated task: the 1k set less its validation tenth. */
const GENERATED_TRAIN = trainingCount(GENERATED_QUESTIONS);

/**
 * End-to-End Memory Networks on bAbI (paper §4.2, Table 2; Sukhbaatar et al. 2015), as the original
 * MemN2N-babi-matlab code trains them: SGD, each weight matrix's gradient clipped to norm 40 on its
 * own, batches of 32, noise η = 0.01 (γ = 0.55) added after the clip. The run defaults follow the
 * config: lr 0.01 one-stage and 0.005 with linear start (the code halves it for two-stage
 * training), halved every 25 epochs counted from the start of the current phase, i.e. from the
 * switch out of linear start (see README.md). A request's own optimizer or schedule wins.
 */
export const memn2nTrainer: TrainerDefinition<MemN2NConfig> = defineTrainer<MemN2NConfig>({
  name: 'memn2n',
  description:
    'End-to-End Memory Network on a bAbI task (generated bAbI-style stories or the released files)',
  paperSection: '§4.2',
  schema: MEMN2N_SCHEMA,
  metrics: MEMN2N_METRICS,
  phases: MEMN2N_PHASES,
  defaultMaxSteps: 100 * stepsPerEpoch(GENERATED_TRAIN, 32),
  defaultNoise: { eta: 0.01, gamma: 0.55 },
  // The default config trains two-stage, hence 0.005; runDefaults gives 0.01 one-stage.
  defaultOptimizer: { kind: 'sgd', learningRate: 0.005 },
  runDefaults: (config) => ({
    learningRate: config.linearStart ? 0.005 : 0.01,
    lrSchedule: { kind: 'step', factor: 0.5, everyEpochs: 25, fromPhaseStart: true },
  }),
  defaultClip: { byTensorNorm: 40 },
  refine: refineMemN2NConfig,
  preflight: async (config, dataRoots) => {
    if (config.data.source === 'files') loadMemN2NData(config, dataRoots);
  },
  stepsPerEpoch: (config, dataRoots) => {
    const train =
      config.data.source === 'generated' ? GENERATED_TRAIN : loadMemN2NData(config, dataRoots).train.length;
    return stepsPerEpoch(train, config.batchSize);
  },
  examplesPerStep: (config) => config.batchSize,
  create: async (config, context) =>
    new MemN2NSession(
      config,
      encodeTask(loadMemN2NData(config, context.dataRoots), config.memorySize),
      context,
    ),
});
