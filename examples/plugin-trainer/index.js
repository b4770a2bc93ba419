import * as tf from '@tensorflow/tfjs';

/**
 * A gradnoise trainer plugin: binary logistic regression on the smoke trainer's seeded Gaussian
 * blobs (two classes). Load it with GRADNOISE_TRAINER_MODULES=./examples/plugin-trainer/index.js;
 * see README.md beside this file.
 *
 * The default export receives the service's plugin API and returns the trainer definitions, each
 * built with `api.defineTrainer`. `@tensorflow/tfjs` is a peer dependency: the service's own copy.
 *
 * @param {import('gradnoise/plugin').PluginApi} api
 * @returns {import('gradnoise/plugin').TrainerDefinition[]}
 */
export default function trainers(api) {
  return [
    api.defineTrainer({
      name: 'logreg',
      description: 'Logistic regression on the smoke Gaussian blobs (an example plugin)',
      paperSection: '',
      schema: {
        inputs: { kind: 'int', default: 8, min: 1, max: 256, doc: 'Input features.' },
        batchSize: { kind: 'int', default: 32, min: 1, max: 4096, doc: 'Examples per step.' },
        trainSize: { kind: 'int', default: 1024, min: 1, max: 100_000, doc: 'Training samples.' },
        testSize: { kind: 'int', default: 512, min: 1, max: 100_000, doc: 'Test samples.' },
        l2: { kind: 'float', default: 0, min: 0, max: 1, doc: 'L2 penalty on the weights.' },
      },
      metrics: [
        { name: 'loss', when: 'step', direction: 'min', finite: true, doc: 'Minibatch log loss.' },
        { name: 'test_loss', when: 'evaluation', direction: 'min', finite: true, doc: 'Test log loss.' },
        { name: 'test_accuracy', when: 'evaluation', direction: 'max', doc: 'Test accuracy.' },
      ],
      defaultMaxSteps: 200,
      defaultOptimizer: { kind: 'sgd', learningRate: 0.5 },
      defaultNoise: { eta: 0.01, gamma: 0.55 },
      stepsPerEpoch: (config) => api.stepsPerEpoch(config.trainSize, config.batchSize),
      examplesPerStep: (config) => config.batchSize,
      async create(config, context) {
        return new LogisticRegression(api, config, context);
      },
    }),
  ];
}

/** One run's session: the model is `sigmoid(x·w + b)`, trained on the log loss. */
class LogisticRegression {
  constructor(api, config, context) {
    this.api = api;
    this.config = config;
    this.context = context;
    // The task is fixed by the config; the run's seed drives the batch order (context.streams).
    this.data = api.gaussianBlobs(config.inputs, 2, config.trainSize, config.testSize);
    this.kernel = tf.variable(tf.zeros([config.inputs, 1]));
    this.bias = tf.variable(tf.zeros([1]));
  }

  /** Optimizer step `step`: its minibatch is a pure function of (seed, step), so resumes are exact. */
  trainStep(step) {
    const { batchSize, inputs, l2 } = this.config;
    const rows = this.api.batchIndices(this.context.streams, step, this.data.train.count, batchSize);
    const batch = this.api.gatherRows(this.data.train, rows, 2);
    const loss = tf.tidy(() => {
      const x = tf.tensor2d(batch.inputs, [batch.count, inputs]);
      // One-hot over two classes: column 1 is the label.
      const y = tf.tensor2d(batch.oneHot, [batch.count, 2]).slice([0, 1], [batch.count, 1]);
      return this.context.optimizer.minimize(
        () => {
          const logLoss = tf.losses.sigmoidCrossEntropy(y, this.logits(x));
          return l2 > 0 ? logLoss.add(this.kernel.square().sum().mul(l2)) : logLoss;
        },
        true,
        [this.kernel, this.bias],
      );
    });
    // The runtime reads and disposes the scalar, and adds grad_norm and noise_std itself.
    return { loss };
  }

  async evaluate() {
    const { test } = this.data;
    const [loss, accuracy] = tf.tidy(() => {
      const x = tf.tensor2d(test.inputs, [test.count, this.config.inputs]);
      const y = tf.tensor2d(Float32Array.from(test.labels), [test.count, 1]);
      const logits = this.logits(x);
      const correct = logits.greater(0).cast('float32').equal(y).cast('float32');
      return [tf.losses.sigmoidCrossEntropy(y, logits), correct.mean()];
    });
    const values = { test_loss: (await loss.data())[0], test_accuracy: (await accuracy.data())[0] };
    tf.dispose([loss, accuracy]);
    return values;
  }

  logits(x) {
    return x.matMul(this.kernel).add(this.bias);
  }

  /** New tensors, owned by the caller (the checkpoint writer). */
  exportState() {
    return {
      tensors: [
        { name: 'logreg/kernel', tensor: tf.clone(this.kernel) },
        { name: 'logreg/bias', tensor: tf.clone(this.bias) },
      ],
      meta: {},
    };
  }

  /** tfjs variable name → checkpoint name: the noise of each tensor is keyed by the latter. */
  parameterNames() {
    return new Map([
      [this.kernel.name, 'logreg/kernel'],
      [this.bias.name, 'logreg/bias'],
    ]);
  }

  importState(state) {
    for (const { name, tensor } of state.tensors) {
      if (name === 'logreg/kernel') this.kernel.assign(tensor);
      else if (name === 'logreg/bias') this.bias.assign(tensor);
      else throw new Error(`logreg: unknown tensor ${name} in the checkpoint`);
    }
  }

  dispose() {
    tf.dispose([this.kernel, this.bias]);
  }
}
