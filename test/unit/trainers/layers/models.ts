/**
 * Keras topologies for the `layers` trainer's tests, written as tf.keras 2.15 `model.to_json()`
 * writes them (module / registered_name keys, snake_case configs, initializers as objects).
 */

type Json = Record<string, unknown>;

const initializer = (class_name: string, config: Json = {}) => ({
  module: 'keras.initializers',
  class_name,
  config,
  registered_name: null,
});

/** A layer as tf.keras 2.15 writes it; `inbound` makes it a functional model's layer. */
export function layer(
  class_name: string,
  name: string,
  config: Json = {},
  inbound?: readonly string[],
): Json {
  const weights =
    class_name === 'Dense' || class_name.startsWith('Conv')
      ? {
          kernel_initializer: initializer('GlorotUniform', { seed: null }),
          bias_initializer: initializer('Zeros'),
          kernel_regularizer: null,
          bias_regularizer: null,
          activity_regularizer: null,
          kernel_constraint: null,
          bias_constraint: null,
        }
      : {};
  return {
    module: 'keras.layers',
    class_name,
    ...(inbound === undefined ? {} : { name }),
    config: { name, trainable: true, dtype: 'float32', ...weights, ...config },
    registered_name: null,
    ...(inbound === undefined
      ? {}
      : { inbound_nodes: inbound.length === 0 ? [] : [inbound.map((n) => [n, 0, 0, {}])] }),
  };
}

export function input(shape: readonly number[], name = 'input'): Json {
  return {
    module: 'keras.layers',
    class_name: 'InputLayer',
    config: { batch_input_shape: [null, ...shape], dtype: 'float32', sparse: false, ragged: false, name },
    registered_name: null,
  };
}

/** A Sequential model's JSON text. */
export function sequential(layers: readonly Json[], extra: Json = {}): string {
  return JSON.stringify({
    class_name: 'Sequential',
    config: { name: 'sequential', layers },
    keras_version: '2.15.0',
    backend: 'tensorflow',
    ...extra,
  });
}

/** A functional model's JSON text: layers with `inbound`, one input and one output. */
export function functional(layers: readonly Json[], inputName: string, outputName: string): string {
  return JSON.stringify({
    class_name: 'Functional',
    config: {
      name: 'model',
      layers,
      input_layers: [[inputName, 0, 0]],
      output_layers: [[outputName, 0, 0]],
    },
    keras_version: '2.15.0',
    backend: 'tensorflow',
  });
}

/** A two-layer perceptron: `features` → `hidden` ReLU → `classes` with `activation`. */
export function mlp(
  features: number,
  hidden: number,
  classes: number,
  activation = 'softmax',
  extra: Json[] = [],
): string {
  return sequential([
    input([features]),
    layer('Dense', 'hidden', { units: hidden, activation: 'relu' }),
    ...extra,
    layer('Dense', 'output', { units: classes, activation }),
  ]);
}
