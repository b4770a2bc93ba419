import { AppError, invalidArgument } from '../../core/index.js';
import type { ArraySet, ArraySummary } from '../../data/index.js';
import type { LayersConfig, LayersLoss } from './config.js';
import type { Shape, TopologyAnalysis } from './topology/index.js';

/**
 * The checks between a model, its loss and its data. {@link checkLossOutput} needs only the
 * topology (compile); {@link checkDataFit} the data's headers (preflight, and the worker again);
 * {@link checkTargets} the values (the worker, once it has read them).
 */

const shapeText = (s: Shape) => `[${s.join(', ')}]`;
const size = (s: Shape) => s.reduce((a, b) => a * b, 1);
const CATEGORICAL: readonly LayersLoss[] = ['sparse_categorical_crossentropy', 'categorical_crossentropy'];

/** The shape of y a loss expects for an output of `output`'s shape, per sample. */
export function targetShape(loss: LayersLoss, output: Shape): Shape {
  return loss === 'sparse_categorical_crossentropy' ? output.slice(0, -1) : output;
}

function withoutTrailingOnes(shape: Shape): Shape {
  let end = shape.length;
  while (end > 0 && shape[end - 1] === 1) end -= 1;
  return shape.slice(0, end);
}

/** The loss fits the output: enough units for a categorical loss, and probabilities unless `fromLogits`. */
export function checkLossOutput(
  config: Pick<LayersConfig, 'loss' | 'fromLogits'>,
  model: TopologyAnalysis,
): void {
  const { loss, fromLogits } = config;
  const units = model.outputShape.at(-1) as number;
  const output = `the output layer ${JSON.stringify(model.layers.at(-1)?.name)} gives ${shapeText(model.outputShape)}`;
  if (CATEGORICAL.includes(loss) && units < 2) {
    throw invalidArgument(
      'loss',
      loss,
      `a loss for one output unit (binary_crossentropy, mean_squared_error): ${output}`,
    );
  }
  const activation = model.outputActivation;
  if (loss === 'mean_squared_error') {
    if (fromLogits)
      throw invalidArgument(
        'fromLogits',
        true,
        'false with mean_squared_error (logits belong to cross-entropy)',
      );
    return;
  }
  const wanted = loss === 'binary_crossentropy' ? ['sigmoid', 'hard_sigmoid', 'hardSigmoid'] : ['softmax'];
  if (activation === undefined) return;
  if (!fromLogits && !wanted.includes(activation)) {
    throw invalidArgument(
      'loss',
      loss,
      `a loss for the output's activation ${activation}: ${loss} reads probabilities (a ${wanted[0]} output) unless fromLogits is true`,
    );
  }
  if (fromLogits && activation !== 'linear') {
    throw invalidArgument(
      'fromLogits',
      true,
      `false: the output already applies ${activation}, so it is not logits`,
    );
  }
}

/** The data fits the model: x has as many values per sample as the input, y the shape the loss expects. */
export function checkDataFit(config: LayersConfig, model: TopologyAnalysis, data: ArraySummary): void {
  if (size(data.xShape) !== size(model.inputShape)) {
    const input = model.layers[0]?.name ?? '';
    throw new AppError(
      'INVALID_ARGUMENT',
      `model: the input ${JSON.stringify(input)} takes samples of shape ${shapeText(model.inputShape)} ` +
        `(${size(model.inputShape)} values) but the data's x has ${shapeText(data.xShape)} (${size(data.xShape)} values)`,
      {
        fieldViolation: {
          field: 'model',
          description: `input shape ${shapeText(model.inputShape)} does not match the data's x ${shapeText(data.xShape)}`,
        },
      },
    );
  }
  const expected = targetShape(config.loss, model.outputShape);
  const y = data.yShape;
  // Trailing axes of one do not change the target: labels of shape (N, 1), one output unit for y of shape (N,).
  if (shapeText(withoutTrailingOnes(y)) !== shapeText(withoutTrailingOnes(expected))) {
    throw invalidArgument(
      'loss',
      config.loss,
      `a loss whose target matches the data: with output ${shapeText(model.outputShape)}, ${config.loss} needs y of ` +
        `shape ${shapeText(expected)} per sample but the data's y has ${shapeText(y)}`,
    );
  }
  for (const [key, wanted, have] of [
    ['trainSize', config.data.trainSize, data.trainCount],
    ['testSize', config.data.testSize, data.testCount],
  ] as const) {
    if (wanted !== undefined && wanted > have) {
      throw invalidArgument(`data.${key}`, wanted, `at most ${have} (the data set's count)`);
    }
  }
}

/** The targets' values suit the loss: class indices below the unit count, or values in [0, 1] for probabilities. */
export function checkTargets(config: LayersConfig, units: number, split: string, set: ArraySet): void {
  const { loss } = config;
  if (loss === 'mean_squared_error') return;
  const sparse = loss === 'sparse_categorical_crossentropy';
  for (let i = 0; i < set.y.length; i += 1) {
    const v = set.y[i] as number;
    const ok = sparse ? Number.isInteger(v) && v >= 0 && v < units : v >= 0 && v <= 1;
    if (!ok) {
      const allowed = sparse ? `integers in [0, ${units}) (the output's units)` : 'values in [0, 1]';
      throw new AppError(
        'INVALID_ARGUMENT',
        `data: y_${split} element ${i} is ${v}; ${loss} allows ${allowed}`,
        {
          fieldViolation: {
            field: 'data',
            description: `y_${split} element ${i} is ${v}; allowed: ${allowed}`,
          },
        },
      );
    }
  }
}
