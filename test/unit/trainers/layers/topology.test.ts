import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/backend/index.js';
import { AppError, runStreams } from '../../../../src/core/index.js';
import { buildModel } from '../../../../src/trainers/layers/build.js';
import { analyzeTopology, DEFAULT_MAX_PARAMS } from '../../../../src/trainers/layers/index.js';
import { functional, input, layer, mlp, sequential } from './models.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const analyze = (text: string, budget = DEFAULT_MAX_PARAMS) => analyzeTopology(text, budget);

/** The INVALID_ARGUMENT of `fn`, checked to name the field `model`. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_ARGUMENT');
    expect((error as AppError).fieldViolation?.field).toBe('model');
    return (error as AppError).message;
  }
  throw new Error('expected a refusal');
}

const MODELS: Record<string, string> = {
  'dense with dropout': mlp(20, 32, 4, 'softmax', [
    layer('Dropout', 'drop', { rate: 0.3, noise_shape: null, seed: null }),
  ]),
  'conv2d, pooling, batch norm': sequential([
    input([12, 10, 3]),
    layer('Conv2D', 'c1', {
      filters: 5,
      kernel_size: [3, 3],
      strides: [1, 1],
      padding: 'same',
      activation: 'relu',
    }),
    layer('BatchNormalization', 'bn', {
      axis: [-1],
      momentum: 0.99,
      epsilon: 0.001,
      center: true,
      scale: true,
    }),
    layer('MaxPooling2D', 'p1', { pool_size: [2, 2], strides: [2, 2], padding: 'valid' }),
    layer('Conv2D', 'c2', {
      filters: 4,
      kernel_size: [3, 2],
      strides: [2, 1],
      padding: 'valid',
      use_bias: false,
    }),
    layer('AveragePooling2D', 'p2', { pool_size: [1, 2], padding: 'same' }),
    layer('Flatten', 'flat'),
    layer('Dense', 'out', { units: 3, activation: 'softmax' }),
  ]),
  'conv1d, global pooling, layer norm': sequential([
    input([16, 2]),
    layer('Conv1D', 'c', {
      filters: 6,
      kernel_size: [5],
      strides: [2],
      dilation_rate: [1],
      padding: 'causal',
    }),
    layer('LayerNormalization', 'ln', { axis: [-1], epsilon: 0.001, center: true, scale: false }),
    layer('MaxPooling1D', 'mp', { pool_size: [2], strides: [2], padding: 'valid' }),
    layer('GlobalAveragePooling1D', 'gap', { keepdims: false }),
    layer('Dense', 'out', { units: 1, activation: 'sigmoid' }),
  ]),
  'embedding, reshape': sequential([
    input([6]),
    layer('Embedding', 'emb', {
      input_dim: 30,
      output_dim: 4,
      embeddings_initializer: {
        class_name: 'RandomUniform',
        config: { minval: -0.05, maxval: 0.05, seed: null },
      },
    }),
    layer('Reshape', 'r', { target_shape: [-1, 8] }),
    layer('Flatten', 'f'),
    layer('Dense', 'out', { units: 2 }),
  ]),
  'reshape with -1, which tfjs leaves unknown': sequential([
    input([6, 4]),
    layer('Reshape', 'r', { target_shape: [-1, 8] }),
    layer('Flatten', 'f'),
    layer('Dense', 'out', { units: 2 }),
  ]),
  'functional: concatenate and add': functional(
    [
      layer('InputLayer', 'x', { batch_input_shape: [null, 7], sparse: false, ragged: false }, []),
      layer('Dense', 'a', { units: 5, activation: 'tanh' }, ['x']),
      layer('Dense', 'b', { units: 5, activation: 'relu' }, ['x']),
      layer('Add', 'sum', {}, ['a', 'b']),
      layer('Concatenate', 'cat', { axis: -1 }, ['sum', 'x']),
      layer('Dense', 'out', { units: 3, activation: 'softmax' }, ['cat']),
    ],
    'x',
    'out',
  ),
};

describe('the structural check counts what tfjs builds', () => {
  it.each(Object.entries(MODELS))('%s: parameters and output shape by arithmetic', async (_name, text) => {
    const analysis = analyze(text);
    // As the worker builds it (seeded initializers, Reshape's -1 written out); it checks the count too.
    const { model, trainable } = await buildModel(analysis, runStreams(1, 2));
    expect(analysis.params).toBe(model.countParams());
    expect(analysis.trainableParams).toBe(trainable.reduce((n, v) => n + v.size, 0));
    expect(analysis.outputShape).toEqual(model.outputs[0]?.shape.slice(1));
    expect(analysis.inputShape).toEqual(model.inputs[0]?.shape.slice(1));
    model.dispose();
  });

  it('reads a tfjs model.json (modelTopology, weights ignored) and tfjs toJSON output', async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: 'softmax' })],
    });
    const text = model.toJSON(null, true) as string;
    expect(analyze(text)).toMatchObject({
      params: 8,
      inputShape: [3],
      outputShape: [2],
      outputActivation: 'softmax',
    });
    const wrapped = JSON.stringify({
      modelTopology: JSON.parse(text),
      weightsManifest: [{ paths: ['http://x'] }],
    });
    expect(analyze(wrapped).params).toBe(8);
    model.dispose();
  });
});

describe('topologies refused with INVALID_ARGUMENT on model, naming the layer', () => {
  it('a class tfjs does not know, or a custom layer', () => {
    const custom = sequential([input([4]), layer('MyAttention', 'attn', { heads: 2 })]);
    expect(refusal(() => analyze(custom))).toMatch(
      /^model: layer "attn" \(MyAttention\): not a layer class this trainer knows \(a custom layer cannot be sent: nothing user-supplied runs as code\); allowed: InputLayer, Dense,/,
    );
    const lambda = sequential([
      input([4]),
      layer('Lambda', 'fn', { function: ['4wEAAAAAAAAA', null, null] }),
    ]);
    expect(refusal(() => analyze(lambda))).toMatch(/layer "fn" \(Lambda\): not a layer class/);
    const noise = sequential([input([4]), layer('GaussianNoise', 'gn', { stddev: 0.1 })]);
    expect(refusal(() => analyze(noise))).toMatch(
      /layer "gn" \(GaussianNoise\): not supported: it draws random numbers outside/,
    );
    const init = mlp(4, 3, 2).replace('"GlorotUniform"', '"MyInit"');
    expect(refusal(() => analyze(init))).toMatch(
      /layer "hidden" \(Dense\): kernel_initializer: got "MyInit"/,
    );
  });

  it('Keras 3 JSON, with the reason tfjs cannot read it', () => {
    const keras3 = sequential([
      { class_name: 'InputLayer', config: { batch_shape: [null, 4], dtype: 'float32', name: 'in' } },
      layer('Dense', 'd', { units: 2 }),
    ]);
    expect(refusal(() => analyze(keras3))).toMatch(
      /^model: a Keras 3 topology \(batch_shape in layer "in"\): tfjs-layers 4\.22 reads only the tf\.keras 2 format/,
    );
    const policy = JSON.parse(mlp(4, 3, 2));
    policy.config.layers[1].config.dtype = {
      module: 'keras',
      class_name: 'DTypePolicy',
      config: { name: 'float32' },
    };
    expect(refusal(() => analyze(JSON.stringify(policy)))).toMatch(
      /a Keras 3 topology \(a dtype policy in layer "hidden"\)/,
    );
    expect(refusal(() => analyze(sequential([input([4])], { keras_version: '3.3.3' })))).toMatch(
      /Keras 3 topology \(keras_version 3\.3\.3\)/,
    );
  });

  it('an input shape that is missing or not fully known, and bad settings', () => {
    expect(refusal(() => analyze(sequential([layer('Dense', 'd', { units: 2 })])))).toMatch(
      /layer "d" \(Dense\): batch_input_shape: missing; the first layer must declare the input shape/,
    );
    expect(refusal(() => analyze(sequential([input([null as unknown as number, 3])])))).toMatch(
      /layer "input" \(InputLayer\): batch_input_shape: got \[null,null,3\]; allowed: \[null, then positive integers\]/,
    );
    expect(refusal(() => analyze(mlp(4, 0, 2)))).toMatch(
      /layer "hidden" \(Dense\): units: got 0; allowed: a positive integer/,
    );
    expect(refusal(() => analyze(mlp(4, 3, 2, 'swoosh')))).toMatch(
      /layer "output" \(Dense\): activation: got "swoosh"; allowed: one of: linear, relu/,
    );
    const regularized = mlp(4, 3, 2).replace(
      '"kernel_regularizer":null',
      '"kernel_regularizer":{"class_name":"L2","config":{"l2":0.01}}',
    );
    expect(refusal(() => analyze(regularized))).toMatch(/kernel_regularizer: got .*; allowed: null/);
    const conv = sequential([input([4, 4, 1]), layer('Conv2D', 'c', { filters: 2, kernel_size: [5, 5] })]);
    expect(refusal(() => analyze(conv))).toMatch(
      /layer "c" \(Conv2D\): kernel_size: .*a window that fits the input's length 4/,
    );
    const flat = sequential([input([4, 4]), layer('Conv2D', 'c', { filters: 2, kernel_size: [2, 2] })]);
    expect(refusal(() => analyze(flat))).toMatch(
      /layer "c" \(Conv2D\): input: .*samples of rank 3 \(got shape \[4, 4\]\)/,
    );
  });

  it('graphs this trainer cannot feed: two inputs, unknown or shared inbound layers, duplicate names', () => {
    const twoInputs = JSON.parse(
      functional(
        [
          layer('InputLayer', 'x', { batch_input_shape: [null, 2] }, []),
          layer('Dense', 'o', { units: 2 }, ['x']),
        ],
        'x',
        'o',
      ),
    );
    twoInputs.config.input_layers = [
      ['x', 0, 0],
      ['o', 0, 0],
    ];
    expect(refusal(() => analyze(JSON.stringify(twoInputs)))).toMatch(
      /2 inputs and 1 outputs; allowed: one input and one output/,
    );
    const dangling = functional(
      [
        layer('InputLayer', 'x', { batch_input_shape: [null, 2] }, []),
        layer('Dense', 'o', { units: 2 }, ['y']),
      ],
      'x',
      'o',
    );
    expect(refusal(() => analyze(dangling))).toMatch(
      /layer "o" \(Dense\): its input "y" is not a layer of the model/,
    );
    const shared = JSON.parse(dangling);
    shared.config.layers[1].inbound_nodes = [[['x', 0, 0, {}]], [['x', 0, 0, {}]]];
    expect(refusal(() => analyze(JSON.stringify(shared)))).toMatch(
      /layer "o" is called 2 times; shared layers are not supported/,
    );
    const unnamed = JSON.parse(dangling);
    delete unnamed.config.layers[1].name;
    expect(refusal(() => analyze(JSON.stringify(unnamed)))).toMatch(
      /layer "o" \(Dense\): name: got undefined beside the layer's config; allowed: its config's name, "o"/,
    );
    const twice = sequential([
      input([2]),
      layer('Dense', 'd', { units: 2 }),
      layer('Dense', 'd', { units: 2 }),
    ]);
    expect(refusal(() => analyze(twice))).toMatch(/layer "d" \(Dense\): the name is used by another layer/);
  });

  it('over the parameter budget (GRADNOISE_MAX_PARAMS)', () => {
    const big = mlp(1000, 1000, 1000);
    expect(analyze(big).params).toBe(2_002_000);
    expect(refusal(() => analyze(big, 2_000_000))).toMatch(
      /^model: 2002000 parameters; allowed: at most 2000000 \(GRADNOISE_MAX_PARAMS\)/,
    );
  });

  it('JSON over the size limit, nested too deep, or not JSON at all', () => {
    expect(refusal(() => analyze(`${mlp(2, 2, 2)}${' '.repeat(1_000_000)}`))).toMatch(
      /^model: the JSON text has 1001\d{3} characters; allowed: at most 1000000/,
    );
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    expect(refusal(() => analyze(deep))).toMatch(
      /^model: the JSON nests 10000 levels deep; allowed: at most 32/,
    );
    expect(refusal(() => analyze('{"class_name": "Sequential", '))).toMatch(/^model: not valid JSON/);
    expect(refusal(() => analyze('{"class_name": "Transformer", "config": {}}'))).toMatch(
      /model class "Transformer"; allowed: Sequential, Model, Functional/,
    );
  });
});
