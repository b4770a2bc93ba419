import * as tf from '@tensorflow/tfjs';
import { OptionError } from './option-error.js';

/*
 * Exact, synchronous save and restore of a tfjs optimizer's state.
 *
 * tfjs's own `getWeights`/`setWeights` are not enough for an exact resume: they are async, Adamax
 * implements neither, and Adam's `setWeights` recomputes its bias-correction powers as
 * pow(β, iterations + 1), which can differ in the last bit from the running float32 products the
 * optimizer really holds. Here the slots are read and written directly, and the hidden scalars
 * (Adam's β₁ᵗ and β₂ᵗ, Adamax's iteration and β₁ᵗ) are saved as they are.
 *
 * Layout of the list, the same as `getWeights()` with the hidden scalars appended:
 *   [ {name: 'iter', int32 scalar}, ...slot group 1, ...slot group 2, ..., ...hidden scalars ]
 * Slot j of a group belongs to the j-th variable in the order the optimizer first saw its
 * gradients (the position in the gradient map or list), not to a variable name, so the state can
 * be loaded into a fresh model whose variables carry other names.
 */

/** A tensor with a name, as tfjs's optimizers take and return them (tfjs does not export the type). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The private fields of tfjs 4.22's optimizers that hold state (see tfjs-core/dist/optimizers). */
interface Internals {
  iterations_?: number;
  centered?: boolean;
  [field: string]: unknown;
}

interface Group {
  /** The field holding one slot per variable. */
  readonly field: string;
  /** How tfjs names the slots of this group: `<variable name>/<suffix>`. */
  readonly suffix: string;
}

interface Layout {
  /** Slot groups in `getWeights()` order. */
  readonly groups: readonly Group[];
  /** Fields holding scalar variables that `getWeights()` leaves out. */
  readonly scalars: readonly string[];
}

function layoutOf(optimizer: tf.Optimizer): Layout {
  const className = optimizer.getClassName();
  switch (className) {
    case 'SGD':
      return { groups: [], scalars: [] };
    case 'Momentum':
      return { groups: [{ field: 'accumulations', suffix: 'momentum' }], scalars: [] };
    case 'Adam':
      return {
        groups: [
          { field: 'accumulatedFirstMoment', suffix: 'm' },
          { field: 'accumulatedSecondMoment', suffix: 'v' },
        ],
        scalars: ['accBeta1', 'accBeta2'],
      };
    case 'Adagrad':
      return { groups: [{ field: 'accumulatedGrads', suffix: 'accumulator' }], scalars: [] };
    case 'RMSProp': {
      const centered = (optimizer as unknown as Internals).centered === true;
      const groups = [
        { field: 'accumulatedMeanSquares', suffix: 'rms' },
        { field: 'accumulatedMoments', suffix: 'momentum' },
      ];
      return {
        groups: centered ? [...groups, { field: 'accumulatedMeanGrads', suffix: 'mg' }] : groups,
        scalars: [],
      };
    }
    case 'Adadelta':
      return {
        groups: [
          { field: 'accumulatedGrads', suffix: 'accum_grad' },
          { field: 'accumulatedUpdates', suffix: 'accum_var' },
        ],
        scalars: [],
      };
    case 'Adamax':
      return {
        groups: [
          { field: 'accumulatedFirstMoment', suffix: 'm' },
          { field: 'accumulatedWeightedInfNorm', suffix: 'v' },
        ],
        scalars: ['iteration', 'accBeta1'],
      };
    default:
      throw new Error(
        `optimizer state: unsupported optimizer class ${JSON.stringify(className)}; ` +
          'supported: SGD, Momentum, Adam, Adagrad, RMSProp, Adadelta, Adamax',
      );
  }
}

function slotsOf(internals: Internals, field: string): Slot[] {
  const slots = internals[field];
  if (!Array.isArray(slots)) throw new Error(`optimizer state: field ${field} is not a slot list`);
  // A hole would mean the optimizer saw a gradient list with a gap; its own getWeights fails then too.
  for (let j = 0; j < slots.length; j++) {
    if (!(j in slots)) throw new Error(`optimizer state: ${field} has no slot for variable ${j}`);
  }
  return slots as Slot[];
}

function scalarOf(internals: Internals, field: string): tf.Variable {
  const v = internals[field];
  if (!(v instanceof tf.Variable)) throw new Error(`optimizer state: field ${field} is not a variable`);
  return v;
}

/**
 * Copies the state of `optimizer` (one of tfjs's seven built-in classes) into new tensors owned by
 * the caller, in the layout described above.
 */
export function exportOptimizerSlots(optimizer: tf.Optimizer): NamedTensor[] {
  const layout = layoutOf(optimizer);
  const internals = optimizer as unknown as Internals;
  const out: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(optimizer.iterations, 'int32') }];
  for (const group of layout.groups) {
    for (const slot of slotsOf(internals, group.field)) {
      out.push({ name: slot.originalName, tensor: tf.clone(slot.variable) });
    }
  }
  for (const field of layout.scalars) out.push({ name: field, tensor: tf.clone(scalarOf(internals, field)) });
  return out;
}

/**
 * Replaces the state of `optimizer` with `state` (from {@link exportOptimizerSlots} of an optimizer
 * of the same class and configuration). The optimizer's old slot variables are disposed. `state`
 * stays owned by the caller: the new variables share its storage copy-on-write, so the caller may
 * dispose it right away.
 */
export function importOptimizerSlots(optimizer: tf.Optimizer, state: readonly NamedTensor[]): void {
  const layout = layoutOf(optimizer);
  const internals = optimizer as unknown as Internals;
  const groupCount = layout.groups.length;
  const slotCount = state.length - 1 - layout.scalars.length;
  const perGroup = groupCount === 0 ? 0 : slotCount / groupCount;
  const first = state[0];
  const matches =
    first !== undefined &&
    first.name === 'iter' &&
    first.tensor.size === 1 &&
    slotCount >= 0 &&
    (groupCount === 0 ? slotCount === 0 : Number.isInteger(perGroup)) &&
    state.every((entry, k) => {
      if (k === 0) return true;
      if (k > slotCount) return entry.name === layout.scalars[k - 1 - slotCount] && entry.tensor.size === 1;
      const group = layout.groups[Math.floor((k - 1) / perGroup)];
      return group !== undefined && entry.name.endsWith(`/${group.suffix}`);
    });
  if (!matches) {
    const groups = layout.groups.map((g) => `'*/${g.suffix}' × n`);
    const expected = ['iter', ...groups, ...layout.scalars.map((f) => `'${f}'`)].join(', ');
    throw new OptionError(
      'state.inner',
      state.map((t) => t.name),
      `[${expected}] for ${optimizer.getClassName()}`,
    );
  }
  const iterations = first.tensor.dataSync()[0] as number;
  layout.scalars.forEach((field, k) => {
    const entry = state[1 + slotCount + k] as NamedTensor;
    const target = scalarOf(internals, field);
    if (entry.tensor.size !== 1)
      throw new OptionError(`state.inner.${field}`, entry.tensor.shape, 'a scalar');
    tf.tidy(() => target.assign(entry.tensor.reshape(target.shape).cast(target.dtype)));
  });
  layout.groups.forEach(({ field }, g) => {
    tf.dispose(slotsOf(internals, field).map((s) => s.variable));
    internals[field] = state
      .slice(1 + g * perGroup, 1 + (g + 1) * perGroup)
      .map((entry): Slot => ({ originalName: entry.name, variable: tf.variable(entry.tensor, false) }));
  });
  internals.iterations_ = iterations;
}
