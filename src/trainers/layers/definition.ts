import {
  type ArraySplit,
  type DataRootPolicy,
  firstSamples,
  loadArrays,
  summarizeArrays,
} from '../../data/index.js';
import { defineTrainer } from '../define.js';
import type { MetricDeclaration } from '../schema/index.js';
import { stepsPerEpoch } from '../shared/batching.js';
import type { TrainerDefinition } from '../types.js';
import { buildModel } from './build.js';
import { checkDataFit, checkLossOutput, checkTargets, targetShape } from './checks.js';
import { LAYERS_SCHEMA, type LayersConfig, refineDataConfig } from './config.js';
import { LayersSession } from './session.js';
import { analyzeTopology, DEFAULT_MAX_PARAMS } from './topology/index.js';

const evaluation = (name: string, direction: 'min' | 'max', doc: string): MetricDeclaration => ({
  name,
  when: 'evaluation',
  direction,
  doc,
});

const LAYERS_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'loss',
    when: 'step',
    direction: 'min',
    finite: true,
    doc: 'The loss of the step batch (dropout on).',
  },
  { ...evaluation('train_loss', 'min', 'Mean loss over the training split.'), finite: true },
  { ...evaluation('test_loss', 'min', 'Mean loss over the test split.'), finite: true },
  evaluation('train_accuracy', 'max', 'Accuracy on the training split (metrics.accuracy).'),
  evaluation('test_accuracy', 'max', 'Accuracy on the test split (metrics.accuracy).'),
  evaluation('train_mse', 'min', 'Mean squared error on the training split (metrics.mse).'),
  evaluation('test_mse', 'min', 'Mean squared error on the test split (metrics.mse).'),
];

/** Options of the trainer that come from the service, not the request. */
export interface LayersTrainerOptions {
  /** Most parameters a model may have (`GRADNOISE_MAX_PARAMS`). Default {@link DEFAULT_MAX_PARAMS}. */
  readonly maxParams?: number;
}

/** The training samples a config uses, from the data's headers. */
function trainCount(config: LayersConfig, dataRoots: DataRootPolicy): number {
  const summary = summarizeArrays(config.data, dataRoots, 'data.path');
  return Math.min(config.data.trainSize ?? summary.trainCount, summary.trainCount);
}

/**
 * The `layers` trainer: a model the client describes as a Keras / tfjs-layers topology, trained
 * with annealed gradient noise (paper §3: the noise is added to the gradient, whatever the
 * model, before any stochastic optimizer), on a data set of the server. The topology is checked on the main thread as data
 * (`compile`: classes, shapes, parameter budget, loss against output; `preflight`: the data's
 * headers against input and output) and built by `tf.models.modelFromJSON` only in the worker.
 */
export function createLayersTrainer(options: LayersTrainerOptions = {}): TrainerDefinition<LayersConfig> {
  const maxParams = options.maxParams ?? DEFAULT_MAX_PARAMS;
  return defineTrainer<LayersConfig>({
    name: 'layers',
    description:
      'A Keras / tfjs-layers model topology (JSON) on a server data set (npz, npy, csv, idx, mnist)',
    paperSection: '§3',
    schema: LAYERS_SCHEMA,
    metrics: LAYERS_METRICS,
    defaultMaxSteps: 1_000,
    // Keras' default optimizer and learning rate.
    defaultOptimizer: { kind: 'adam', learningRate: 0.001 },
    // The paper's most common setting (§4): η = 0.01, γ = 0.55.
    defaultNoise: { eta: 0.01, gamma: 0.55 },
    refine(config) {
      const data = refineDataConfig(config.data);
      checkLossOutput(config, analyzeTopology(config.model, maxParams));
      return { ...config, data };
    },
    async preflight(config, dataRoots) {
      const summary = summarizeArrays(config.data, dataRoots, 'data.path');
      checkDataFit(config, analyzeTopology(config.model, maxParams), summary);
    },
    stepsPerEpoch: (config, dataRoots) => stepsPerEpoch(trainCount(config, dataRoots), config.batchSize),
    examplesPerStep: (config) => config.batchSize,
    async create(config, context) {
      // The budget was enforced at StartRun, under the service's setting; here only the structure matters.
      const analysis = analyzeTopology(config.model, Number.POSITIVE_INFINITY);
      checkLossOutput(config, analysis);
      const full = await loadArrays(config.data, context.dataRoots, 'data.path');
      const data: ArraySplit = {
        train: firstSamples(full.train, config.data.trainSize ?? full.train.count),
        test: firstSamples(full.test, config.data.testSize ?? full.test.count),
      };
      checkDataFit(config, analysis, {
        trainCount: full.train.count,
        testCount: full.test.count,
        xShape: data.train.xShape,
        yShape: data.train.yShape,
      });
      const units = analysis.outputShape.at(-1) as number;
      checkTargets(config, units, 'train', data.train);
      checkTargets(config, units, 'test', data.test);
      const built = await buildModel(analysis, context.streams);
      return new LayersSession({
        config,
        built,
        data,
        inputShape: analysis.inputShape,
        targetShape: targetShape(config.loss, analysis.outputShape),
        streams: context.streams,
        optimizer: context.optimizer,
      });
    },
  });
}

/** The trainer with the default parameter budget (what worker threads and tests use). */
export const layersTrainer: TrainerDefinition<LayersConfig> = createLayersTrainer();
