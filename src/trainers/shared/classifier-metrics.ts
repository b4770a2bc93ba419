import type { MetricDeclaration } from '../schema/index.js';

/**
 * The metrics of `ClassifierSession` (smoke, mlp): the minibatch loss per step, and loss and
 * accuracy over the whole splits at each evaluation. A non-finite loss ends the run; accuracies
 * are always finite.
 */
export const CLASSIFIER_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'loss',
    when: 'step',
    direction: 'min',
    finite: true,
    doc: 'Softmax cross-entropy of the step minibatch (dropout on).',
  },
  {
    name: 'train_accuracy',
    when: 'evaluation',
    direction: 'max',
    doc: 'Fraction of the training split classified correctly (dropout off).',
  },
  {
    name: 'train_loss',
    when: 'evaluation',
    direction: 'min',
    finite: true,
    doc: 'Mean cross-entropy over the training split.',
  },
  {
    name: 'test_accuracy',
    when: 'evaluation',
    direction: 'max',
    doc: 'Fraction of the test split classified correctly.',
  },
  {
    name: 'test_loss',
    when: 'evaluation',
    direction: 'min',
    finite: true,
    doc: 'Mean cross-entropy over the test split.',
  },
];
