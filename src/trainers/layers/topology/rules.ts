import { LayerConfig } from './config-values.js';

/**
 * The layer classes the `layers` trainer accepts, each with its output shape and parameter count by
 * arithmetic, as tfjs-layers 4.22 builds them (channels-last data). Shapes here are per sample:
 * the batch axis is left out.
 *
 * Not every class tfjs knows is here: the ones that draw random numbers outside the run's seeded
 * streams (GaussianNoise, GaussianDropout, AlphaDropout; recurrent layers' dropout) would make
 * resume inexact, and the others wait until someone needs them (see the trainer's README).
 */
export type Shape = readonly number[];

/** What a layer does to its inputs' shapes, and the weights it makes. */
export interface LayerEffect {
  readonly shape: Shape;
  /** Trainable parameters. */
  readonly trainable: number;
  /** Parameters the optimizer does not update (BatchNormalization's moving statistics). */
  readonly fixed: number;
}

type Rule = (c: LayerConfig, inputs: readonly Shape[]) => LayerEffect;

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);
const same = (shape: Shape): LayerEffect => ({ shape, trainable: 0, fixed: 0 });

/** The activation names tfjs-layers 4.22 deserializes. */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'elu',
  'relu6',
  'sigmoid',
  'hard_sigmoid',
  'hardSigmoid',
  'selu',
  'softmax',
  'softplus',
  'softsign',
  'tanh',
  'swish',
  'mish',
  'gelu',
  'gelu_new',
] as const;

function activation(c: LayerConfig, required = false): void {
  const value = c.get('activation');
  if (value === undefined && !required) return;
  if (value === null && !required) return;
  if (typeof value !== 'string' || !(ACTIVATIONS as readonly string[]).includes(value)) {
    c.fail('activation', `one of: ${ACTIVATIONS.join(', ')}`);
  }
}

function one(c: LayerConfig, inputs: readonly Shape[], rank?: number): Shape {
  if (inputs.length !== 1) c.fail('inbound_nodes', `1 input (got ${inputs.length})`);
  const shape = inputs[0] as Shape;
  if (rank !== undefined && shape.length !== rank) {
    throw c.fail('input', `samples of rank ${rank} (got shape [${shape.join(', ')}])`);
  }
  if (shape.length === 0) c.fail('input', 'samples with at least one axis');
  return shape;
}

/** Output length of a sliding window (convolution or pooling) along one axis. */
function windowed(
  c: LayerConfig,
  length: number,
  kernel: number,
  stride: number,
  padding: string,
  dilation = 1,
): number {
  const out =
    padding === 'valid'
      ? Math.floor((length - dilation * (kernel - 1) - 1) / stride) + 1
      : Math.ceil(length / stride);
  if (out < 1) c.fail('kernel_size', `a window that fits the input's length ${length}`);
  return out;
}

function channelsLast(c: LayerConfig): void {
  c.choice('data_format', ['channels_last', 'channelsLast'], 'channels_last');
}

function conv(dims: 1 | 2): Rule {
  return (c, inputs) => {
    const shape = one(c, inputs, dims + 1);
    channelsLast(c);
    activation(c);
    const filters = c.positiveInt('filters');
    const kernel = c.tuple('kernel_size', dims, []);
    const strides = c.tuple('strides', dims, Array(dims).fill(1));
    const dilation = c.tuple('dilation_rate', dims, Array(dims).fill(1));
    const padding = c.choice(
      'padding',
      dims === 1 ? ['valid', 'same', 'causal'] : ['valid', 'same'],
      'valid',
    );
    const spatial = kernel.map((k, i) =>
      windowed(c, shape[i] as number, k, strides[i] as number, padding, dilation[i] as number),
    );
    const channels = shape[dims] as number;
    const bias = c.bool('use_bias', true) ? filters : 0;
    return { shape: [...spatial, filters], trainable: size(kernel) * channels * filters + bias, fixed: 0 };
  };
}

function pooling(dims: 1 | 2): Rule {
  return (c, inputs) => {
    const shape = one(c, inputs, dims + 1);
    channelsLast(c);
    const pool = c.tuple('pool_size', dims, Array(dims).fill(2));
    const strides = c.tuple('strides', dims, pool);
    const padding = c.choice('padding', ['valid', 'same'], 'valid');
    const spatial = pool.map((p, i) => windowed(c, shape[i] as number, p, strides[i] as number, padding));
    return same([...spatial, shape[dims] as number]);
  };
}

function globalPooling(dims: 1 | 2): Rule {
  return (c, inputs) => {
    const shape = one(c, inputs, dims + 1);
    channelsLast(c);
    const channels = shape[dims] as number;
    return same(c.bool('keepdims', false) ? [...Array(dims).fill(1), channels] : [channels]);
  };
}

function elementwise(minInputs: number): Rule {
  return (c, inputs) => {
    if (inputs.length < minInputs)
      c.fail('inbound_nodes', `at least ${minInputs} inputs (got ${inputs.length})`);
    const first = (inputs[0] as Shape).join(',');
    if (inputs.some((s) => s.join(',') !== first)) {
      c.fail(
        'inbound_nodes',
        `inputs of one shape (got ${inputs.map((s) => `[${s.join(', ')}]`).join(', ')})`,
      );
    }
    return same(inputs[0] as Shape);
  };
}

const concatenate: Rule = (c, inputs) => {
  if (inputs.length < 2) c.fail('inbound_nodes', `at least 2 inputs (got ${inputs.length})`);
  const rank = (inputs[0] as Shape).length + 1;
  const axis = c.axis('axis', rank, -1) - 1;
  const key = (s: Shape) => s.filter((_, i) => i !== axis).join(',');
  if (inputs.some((s) => s.length !== rank - 1 || key(s) !== key(inputs[0] as Shape))) {
    c.fail('axis', 'inputs whose shapes agree on every other axis');
  }
  const out = [...(inputs[0] as Shape)];
  out[axis] = inputs.reduce((sum, s) => sum + (s[axis] as number), 0);
  return same(out);
};

function normalization(batch: boolean): Rule {
  return (c, inputs) => {
    const shape = one(c, inputs);
    const axis = c.axis('axis', shape.length + 1, -1);
    const channels = shape[axis - 1] as number;
    const weights = (c.bool('center', true) ? channels : 0) + (c.bool('scale', true) ? channels : 0);
    return { shape, trainable: weights, fixed: batch ? 2 * channels : 0 };
  };
}

export const LAYER_RULES: Readonly<Record<string, Rule>> = {
  Dense: (c, inputs) => {
    const shape = one(c, inputs);
    activation(c);
    const units = c.positiveInt('units');
    const bias = c.bool('use_bias', true) ? units : 0;
    return {
      shape: [...shape.slice(0, -1), units],
      trainable: (shape.at(-1) as number) * units + bias,
      fixed: 0,
    };
  },
  Activation: (c, inputs) => {
    activation(c, true);
    return same(one(c, inputs));
  },
  ReLU: (c, inputs) => same(one(c, inputs)),
  LeakyReLU: (c, inputs) => same(one(c, inputs)),
  ELU: (c, inputs) => same(one(c, inputs)),
  ThresholdedReLU: (c, inputs) => same(one(c, inputs)),
  Softmax: (c, inputs) => same(one(c, inputs)),
  Dropout: (c, inputs) => {
    c.rate('rate', 0);
    if (c.get('noise_shape') !== undefined && c.get('noise_shape') !== null) c.fail('noise_shape', 'null');
    return same(one(c, inputs));
  },
  SpatialDropout1D: (c, inputs) => {
    c.rate('rate', 0);
    return same(one(c, inputs, 2));
  },
  Flatten: (c, inputs) => same([size(one(c, inputs))]),
  Reshape: (c, inputs) => {
    const total = size(one(c, inputs));
    const target = c.shape('target_shape', true);
    const known = size(target.filter((d) => d !== -1));
    const out = target.map((d) => (d === -1 ? total / known : d));
    if (size(out) !== total || !out.every(Number.isInteger)) {
      c.fail('target_shape', `a shape of ${total} elements (the input's)`);
    }
    return same(out);
  },
  Conv1D: conv(1),
  Conv2D: conv(2),
  MaxPooling1D: pooling(1),
  MaxPooling2D: pooling(2),
  AveragePooling1D: pooling(1),
  AveragePooling2D: pooling(2),
  GlobalAveragePooling1D: globalPooling(1),
  GlobalAveragePooling2D: globalPooling(2),
  GlobalMaxPooling1D: globalPooling(1),
  GlobalMaxPooling2D: globalPooling(2),
  BatchNormalization: normalization(true),
  LayerNormalization: normalization(false),
  Embedding: (c, inputs) => {
    const shape = one(c, inputs);
    const inputDim = c.positiveInt('input_dim');
    const outputDim = c.positiveInt('output_dim');
    return { shape: [...shape, outputDim], trainable: inputDim * outputDim, fixed: 0 };
  },
  Add: elementwise(2),
  Multiply: elementwise(2),
  Average: elementwise(2),
  Maximum: elementwise(2),
  Minimum: elementwise(2),
  Concatenate: concatenate,
};

/** Classes tfjs knows that this trainer refuses, with the reason. */
export const REFUSED_CLASSES: Readonly<Record<string, string>> = {
  GaussianNoise: "it draws random numbers outside the run's seeded streams, so resume could not be exact",
  GaussianDropout: "it draws random numbers outside the run's seeded streams, so resume could not be exact",
  AlphaDropout: "it draws random numbers outside the run's seeded streams, so resume could not be exact",
  Sequential: 'nested models are not supported; flatten them into one model',
  Model: 'nested models are not supported; flatten them into one model',
  Functional: 'nested models are not supported; flatten them into one model',
};

export { LayerConfig };
