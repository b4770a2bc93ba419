import { LayerConfig } from './config-values.js';
import { isObject, type LayerSpec, layerError, parseTopology, refuseKeras3, topologyError } from './parse.js';
import { LAYER_RULES, REFUSED_CLASSES, type Shape } from './rules.js';

/**
 * The structural check of a model topology, on the main thread, without tfjs: every layer's class
 * is one this trainer knows (no custom layers, nothing evaluated), its settings are valid, the
 * shapes flow from the one input to the one output, and the parameter count (by arithmetic, as
 * tfjs-layers builds the weights) is within the budget. The worker builds the model with
 * `tf.models.modelFromJSON` only after this passed, and checks tfjs's count against ours.
 */

/** The default of `GRADNOISE_MAX_PARAMS`: with Adam's two slots a checkpoint takes about 12 bytes a parameter. */
export const DEFAULT_MAX_PARAMS = 5_000_000;

/** What the check learned about a model. */
export interface TopologyAnalysis {
  readonly modelClass: string;
  /** The topology as tfjs reads it (wrappers such as `modelTopology` removed). */
  readonly topology: Readonly<Record<string, unknown>>;
  /** Per-sample input shape (the batch axis left out), fully known. */
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  /** Every weight's parameters, trainable or not. */
  readonly params: number;
  readonly trainableParams: number;
  /** The activation that produces the output (`softmax`, `sigmoid`, `linear`, …), if it can be told. */
  readonly outputActivation: string | undefined;
  readonly layers: readonly { readonly name: string; readonly className: string; readonly shape: Shape }[];
}

const INITIALIZERS = new Set([
  'Zeros',
  'Ones',
  'Constant',
  'RandomUniform',
  'RandomNormal',
  'TruncatedNormal',
  'Identity',
  'VarianceScaling',
  'GlorotUniform',
  'GlorotNormal',
  'HeNormal',
  'HeUniform',
  'LeCunNormal',
  'LeCunUniform',
  'Orthogonal',
]);

/** Layers that pass their input's activation through unchanged, for {@link TopologyAnalysis.outputActivation}. */
const TRANSPARENT = new Set(['Dropout', 'SpatialDropout1D', 'Flatten', 'Reshape']);

/** Parses and checks `text`; `maxParams` bounds {@link TopologyAnalysis.params}. */
export function analyzeTopology(text: string, maxParams: number): TopologyAnalysis {
  const parsed = parseTopology(text);
  if (parsed.inputs.length !== 1 || parsed.outputs.length !== 1) {
    throw topologyError(
      `${parsed.inputs.length} inputs and ${parsed.outputs.length} outputs; allowed: one input and one output (the data set's x and y)`,
    );
  }
  const byName = new Map(parsed.layers.map((l) => [l.name, l]));
  const shapes = new Map<string, Shape>();
  let trainable = 0;
  let fixed = 0;
  let declaredInput: Shape | undefined;
  const order: { name: string; className: string; shape: Shape }[] = [];
  const visit = (layer: LayerSpec, path: readonly string[]): Shape => {
    const known = shapes.get(layer.name);
    if (known !== undefined) return known;
    if (path.includes(layer.name)) throw layerError(layer, 'its inputs form a cycle');
    checkCommon(layer);
    let shape: Shape;
    if (
      layer.className === 'InputLayer' ||
      (layer.inbound.length === 0 && parsed.modelClass === 'Sequential')
    ) {
      shape = inputShape(layer);
      declaredInput = shape;
      if (layer.className !== 'InputLayer') shape = applyRule(layer, [shape]);
    } else {
      if (layer.inbound.length === 0) throw layerError(layer, 'it has no inputs and is not an InputLayer');
      const inputs = layer.inbound.map((name) => {
        const source = byName.get(name);
        if (source === undefined)
          throw layerError(layer, `its input ${JSON.stringify(name)} is not a layer of the model`);
        return visit(source, [...path, layer.name]);
      });
      shape = applyRule(layer, inputs);
    }
    shapes.set(layer.name, shape);
    order.push({ name: layer.name, className: layer.className, shape });
    return shape;
  };
  const applyRule = (layer: LayerSpec, inputs: readonly Shape[]): Shape => {
    const rule = LAYER_RULES[layer.className];
    if (rule === undefined) throw unknownClass(layer);
    const effect = rule(new LayerConfig(layer), inputs);
    trainable += effect.trainable;
    fixed += effect.fixed;
    return effect.shape;
  };
  const output = byName.get(parsed.outputs[0] as string);
  const input = byName.get(parsed.inputs[0] as string);
  if (output === undefined || input === undefined) {
    throw topologyError('config.input_layers / output_layers name a layer the model does not have');
  }
  for (const layer of parsed.layers) visit(layer, []);
  if (declaredInput === undefined)
    throw topologyError('no InputLayer or batch_input_shape declares the input');
  const params = trainable + fixed;
  if (params > maxParams) {
    throw topologyError(
      `${params} parameters; allowed: at most ${maxParams} (GRADNOISE_MAX_PARAMS): a checkpoint with Adam's slots takes about 12 bytes a parameter, in one database row`,
    );
  }
  return {
    modelClass: parsed.modelClass,
    topology: parsed.topology,
    inputShape: declaredInput as Shape,
    outputShape: shapes.get(output.name) as Shape,
    params,
    trainableParams: trainable,
    outputActivation: activationOf(output, byName),
    layers: order,
  };
}

function unknownClass(layer: LayerSpec): Error {
  const refused = REFUSED_CLASSES[layer.className];
  if (refused !== undefined) return layerError(layer, `not supported: ${refused}`);
  return layerError(
    layer,
    `not a layer class this trainer knows (a custom layer cannot be sent: nothing user-supplied runs as code); allowed: InputLayer, ${Object.keys(LAYER_RULES).join(', ')}`,
  );
}

/** The per-sample shape an input declares: `batch_input_shape` [null, …], all known. */
function inputShape(layer: LayerSpec): Shape {
  const { config } = layer;
  if (config.batch_shape !== undefined) refuseKeras3(`batch_shape in layer ${JSON.stringify(layer.name)}`);
  const batch = config.batch_input_shape;
  if (!Array.isArray(batch)) {
    throw layerError(
      layer,
      'batch_input_shape: missing; the first layer must declare the input shape, e.g. [null, 784]',
    );
  }
  const shape = batch.slice(1);
  if (
    shape.length === 0 ||
    !shape.every((d: unknown) => typeof d === 'number' && Number.isInteger(d) && d >= 1)
  ) {
    throw layerError(
      layer,
      `batch_input_shape: got ${JSON.stringify(batch)}; allowed: [null, then positive integers] (every axis but the batch known)`,
    );
  }
  return shape as number[];
}

/** Settings every layer may carry: dtype, initializers (known classes), no regularizers or constraints. */
function checkCommon(layer: LayerSpec): void {
  for (const [key, value] of Object.entries(layer.config)) {
    if (key === 'dtype') {
      if (isObject(value)) refuseKeras3(`a dtype policy in layer ${JSON.stringify(layer.name)}`);
      if (value !== null && value !== 'float32') {
        throw layerError(layer, `dtype: got ${JSON.stringify(value)}; allowed: float32`);
      }
    } else if (key.endsWith('_initializer') && value !== null) {
      const name = isObject(value) ? value.class_name : undefined;
      if (
        typeof name !== 'string' ||
        !INITIALIZERS.has(name) ||
        !isObject(value) ||
        !isObject(value.config)
      ) {
        throw layerError(
          layer,
          `${key}: got ${JSON.stringify(name ?? value)}; allowed: {class_name, config} with class_name one of ${[...INITIALIZERS].join(', ')}`,
        );
      }
    } else if ((key.endsWith('_regularizer') || key.endsWith('_constraint')) && value !== null) {
      throw layerError(
        layer,
        `${key}: got ${JSON.stringify(value)}; allowed: null (the trainer applies no regularizers or constraints)`,
      );
    }
  }
}

function activationOf(layer: LayerSpec, byName: ReadonlyMap<string, LayerSpec>): string | undefined {
  if (layer.className === 'Softmax') return 'softmax';
  if (TRANSPARENT.has(layer.className) && layer.inbound.length === 1) {
    const source = byName.get(layer.inbound[0] as string);
    return source === undefined ? undefined : activationOf(source, byName);
  }
  if (layer.className === 'Dense' || layer.className === 'Activation' || layer.className.startsWith('Conv')) {
    const value = layer.config.activation;
    return typeof value === 'string' ? value : 'linear';
  }
  return undefined;
}
