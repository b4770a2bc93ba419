import * as tf from '@tensorflow/tfjs';
import { type InnerOptimizerOptions, OPTIMIZER_KINDS, type OptimizerKind } from '../core/index.js';
import { checkBoolean, checkNumber, checkOneOf, checkUnitInterval, OptionError } from './option-error.js';

type OptionalField = Exclude<keyof InnerOptimizerOptions, 'kind' | 'learningRate'>;

/** tfjs's float32 epsilon, what the tfjs optimizers use when none is given (cpu and wasm backends). */
const DEFAULT_EPSILON = 1e-7;

const FIELDS_BY_KIND: Readonly<Record<OptimizerKind, readonly OptionalField[]>> = {
  sgd: [],
  momentum: ['momentum', 'useNesterov'],
  adam: ['beta1', 'beta2', 'epsilon'],
  adagrad: ['initialAccumulatorValue'],
  rmsprop: ['decay', 'momentum', 'epsilon', 'centered'],
  adadelta: ['rho', 'epsilon'],
  adamax: ['beta1', 'beta2', 'epsilon', 'decay'],
};

const ALL_FIELDS: readonly OptionalField[] = [
  'momentum',
  'useNesterov',
  'beta1',
  'beta2',
  'epsilon',
  'rho',
  'decay',
  'centered',
  'initialAccumulatorValue',
];

function kindsUsing(field: OptionalField): string {
  return OPTIMIZER_KINDS.filter((k) => FIELDS_BY_KIND[k].includes(field)).join(', ');
}

function checkCentered(value: unknown): false {
  if (checkBoolean('centered', value)) {
    throw new OptionError(
      'centered',
      value,
      "false (tfjs 4.22's centred RMSProp yields NaN for zero gradients)",
    );
  }
  return false;
}

/**
 * Validates `o` for its kind and returns a copy with every field of that kind filled with the tfjs
 * default (see the field docs). Idempotent. Throws {@link OptionError} naming the field, e.g.
 * `learningRate: got 0; allowed: a finite number > 0`, or `beta1: got 0.9; allowed: unset for
 * kind 'sgd' (used by adam, adamax)`.
 */
export function compileInnerOptimizerOptions(o: InnerOptimizerOptions): InnerOptimizerOptions {
  const kind = checkOneOf('kind', o.kind, OPTIMIZER_KINDS);
  const learningRate = checkNumber('learningRate', o.learningRate, 0, true);
  const used = FIELDS_BY_KIND[kind];
  for (const field of ALL_FIELDS) {
    if (!used.includes(field) && o[field] !== undefined) {
      throw new OptionError(field, o[field], `unset for kind '${kind}' (used by ${kindsUsing(field)})`);
    }
  }
  const epsilon = () => checkNumber('epsilon', o.epsilon ?? DEFAULT_EPSILON, 0, true);
  switch (kind) {
    case 'sgd':
      return { kind, learningRate };
    case 'momentum':
      return {
        kind,
        learningRate,
        momentum: checkUnitInterval('momentum', o.momentum ?? 0.9),
        useNesterov: checkBoolean('useNesterov', o.useNesterov ?? false),
      };
    case 'adam':
      return {
        kind,
        learningRate,
        beta1: checkUnitInterval('beta1', o.beta1 ?? 0.9),
        beta2: checkUnitInterval('beta2', o.beta2 ?? 0.999),
        epsilon: epsilon(),
      };
    case 'adagrad':
      return {
        kind,
        learningRate,
        initialAccumulatorValue: checkNumber(
          'initialAccumulatorValue',
          o.initialAccumulatorValue ?? 0.1,
          0,
          false,
        ),
      };
    case 'rmsprop':
      return {
        kind,
        learningRate,
        decay: checkUnitInterval('decay', o.decay ?? 0.9),
        momentum: checkUnitInterval('momentum', o.momentum ?? 0),
        epsilon: epsilon(),
        centered: checkCentered(o.centered ?? false),
      };
    case 'adadelta':
      return { kind, learningRate, rho: checkUnitInterval('rho', o.rho ?? 0.95), epsilon: epsilon() };
    case 'adamax':
      return {
        kind,
        learningRate,
        beta1: checkUnitInterval('beta1', o.beta1 ?? 0.9),
        beta2: checkUnitInterval('beta2', o.beta2 ?? 0.999),
        epsilon: epsilon(),
        decay: checkNumber('decay', o.decay ?? 0, 0, false),
      };
  }
}

/**
 * tfjs 4.22's momentum optimizer, minus a leak: its `dispose` frees its own variables but not the
 * learning-rate scalar its SGD base class holds, so every disposed instance left one tensor behind.
 */
class MomentumOptimizer extends tf.MomentumOptimizer {
  override dispose(): void {
    super.dispose();
    this.c.dispose();
  }
}

/** Builds the tfjs optimizer for `o` (compiled first, so it throws {@link OptionError} on bad input). */
export function createInnerOptimizer(o: InnerOptimizerOptions): tf.Optimizer {
  const c = compileInnerOptimizerOptions(o);
  const num = (field: OptionalField): number => {
    const v = c[field];
    if (typeof v !== 'number') throw new Error(`compiled option ${field} is missing`);
    return v;
  };
  const flag = (field: 'useNesterov' | 'centered'): boolean => c[field] === true;
  switch (c.kind) {
    case 'sgd':
      return tf.train.sgd(c.learningRate);
    case 'momentum':
      return new MomentumOptimizer(c.learningRate, num('momentum'), flag('useNesterov'));
    case 'adam':
      return tf.train.adam(c.learningRate, num('beta1'), num('beta2'), num('epsilon'));
    case 'adagrad':
      return tf.train.adagrad(c.learningRate, num('initialAccumulatorValue'));
    case 'rmsprop':
      return tf.train.rmsprop(
        c.learningRate,
        num('decay'),
        num('momentum'),
        num('epsilon'),
        flag('centered'),
      );
    case 'adadelta':
      return tf.train.adadelta(c.learningRate, num('rho'), num('epsilon'));
    case 'adamax':
      return tf.train.adamax(c.learningRate, num('beta1'), num('beta2'), num('epsilon'), num('decay'));
  }
}

/**
 * Sets the learning rate `inner` uses from its next `applyGradients` on, for each of the seven tfjs
 * 4.22 optimizers, so a schedule works for every kind. Scaling the gradient instead would not do:
 * Adam, Adamax, RMSProp and Adadelta normalise it away. A no-op when the rate is unchanged.
 * - `sgd` and `momentum` read the scalar tensor `c = -learningRate` that `setLearningRate` rebuilds
 *   (tfjs-core `sgd_optimizer.js`, `momentum_optimizer.js`).
 * - `adam`, `adagrad`, `rmsprop`, `adadelta` and `adamax` read the field `learningRate` in each
 *   `applyGradients` (adamax divides it by 1 + iteration × decay there), and have no setter, so the
 *   field is written.
 * The step then equals a step of the optimizer built with that rate, bit for bit
 * (test/unit/optim/learning-rate.test.ts). Throws for another optimizer class.
 */
export function setInnerLearningRate(inner: tf.Optimizer, learningRate: number): void {
  if (inner.getConfig().learningRate === learningRate) return;
  // By class name: tfjs's `Symbol.hasInstance` on `Optimizer` makes every optimizer an
  // `instanceof` each optimizer class.
  const className = inner.getClassName();
  if (className === 'SGD' || className === 'Momentum') {
    (inner as tf.SGDOptimizer).setLearningRate(learningRate);
  } else if (FIELD_RATE_CLASSES.has(className)) {
    // `learningRate` is protected in the typings but a plain field read at apply time (see above).
    (inner as unknown as { learningRate: number }).learningRate = learningRate;
  } else {
    throw new Error(`cannot schedule the learning rate of ${className}`);
  }
}

/** The tfjs optimizers that read their `learningRate` field in `applyGradients`. */
const FIELD_RATE_CLASSES: ReadonlySet<string> = new Set(['Adam', 'Adagrad', 'RMSProp', 'Adadelta', 'Adamax']);
