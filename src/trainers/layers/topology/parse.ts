import { AppError } from '../../../core/index.js';

/**
 * Reading a model topology as data: the JSON text of tf.keras (≤ 2.15) `model.to_json()`, of
 * TensorFlow.js `model.toJSON()`, or a tfjs `model.json` (its `modelTopology`, with or without
 * `model_config`; weights are never read). Nothing in it is evaluated: the text is measured, parsed
 * with `JSON.parse`, and walked.
 *
 * Errors are INVALID_ARGUMENT on the config field `model`, naming the layer where there is one.
 */

/** Longest topology text, in UTF-16 code units: far above any model under the parameter budget. */
export const MAX_MODEL_JSON_CHARS = 1_000_000;
/** Deepest nesting of objects and arrays; Keras topologies need about ten levels. */
export const MAX_MODEL_JSON_DEPTH = 32;
/** Most layers in one model. */
export const MAX_MODEL_LAYERS = 1_000;

/** One layer as the topology declares it. */
export interface LayerSpec {
  readonly name: string;
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** Names of the layers whose outputs it takes (functional models); Sequential: the previous one. */
  readonly inbound: readonly string[];
}

/** A model's layers in order, with the names of its input and output layers. */
export interface ParsedTopology {
  /** `Sequential`, `Model` or `Functional`. */
  readonly modelClass: string;
  /** The unwrapped topology (`{class_name, config}`), as the worker hands it to tfjs. */
  readonly topology: Readonly<Record<string, unknown>>;
  readonly layers: readonly LayerSpec[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/** The error of a bad topology: `model: <where>: <problem>`. */
export function topologyError(problem: string): AppError {
  return new AppError('INVALID_ARGUMENT', `model: ${problem}`, {
    fieldViolation: { field: 'model', description: problem },
  });
}

/** A layer's error: `model: layer "dense_1" (Dense): <problem>`. */
export function layerError(layer: Pick<LayerSpec, 'name' | 'className'>, problem: string): AppError {
  return topologyError(`layer ${JSON.stringify(layer.name)} (${layer.className}): ${problem}`);
}

export type Json = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nesting depth of the JSON text, strings skipped, without parsing it (so a deep text cannot overflow the stack). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return deepest;
}

/** Measures, parses and unwraps the text; refuses Keras 3's format with the reason. */
export function parseTopology(text: string): ParsedTopology {
  if (text.length > MAX_MODEL_JSON_CHARS) {
    throw topologyError(
      `the JSON text has ${text.length} characters; allowed: at most ${MAX_MODEL_JSON_CHARS}`,
    );
  }
  const depth = nestingDepth(text);
  if (depth > MAX_MODEL_JSON_DEPTH) {
    throw topologyError(`the JSON nests ${depth} levels deep; allowed: at most ${MAX_MODEL_JSON_DEPTH}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw topologyError(`not valid JSON (${(error as Error).message})`);
  }
  let topology = parsed;
  if (isObject(topology) && isObject(topology.modelTopology)) topology = topology.modelTopology;
  const kerasVersion = isObject(topology) ? topology.keras_version : undefined;
  if (isObject(topology) && isObject(topology.model_config)) topology = topology.model_config;
  if (!isObject(topology) || typeof topology.class_name !== 'string' || topology.config === undefined) {
    throw topologyError(
      'expected a model topology: an object with class_name and config (tf.keras model.to_json())',
    );
  }
  if (typeof kerasVersion === 'string' && kerasVersion.startsWith('3.'))
    refuseKeras3(`keras_version ${kerasVersion}`);
  const modelClass = topology.class_name;
  const config = topology.config;
  if (modelClass === 'Sequential') return { modelClass, topology, ...sequentialLayers(config) };
  if (modelClass === 'Model' || modelClass === 'Functional') {
    return { modelClass, topology, ...functionalLayers(config) };
  }
  throw topologyError(`model class ${JSON.stringify(modelClass)}; allowed: Sequential, Model, Functional`);
}

/** Keras 3 writes `batch_shape`, dtype policies and `{args, kwargs}` nodes, which tfjs-layers 4.22 cannot read. */
export function refuseKeras3(found: string): never {
  throw topologyError(
    `a Keras 3 topology (${found}): tfjs-layers 4.22 reads only the tf.keras 2 format. ` +
      'Export with TensorFlow ≤ 2.15 (or tf_keras) model.to_json(), or write batch_input_shape and string dtypes',
  );
}

function rawLayers(config: unknown): unknown[] {
  // Keras before 2.2 wrote a Sequential's config as the bare layer list.
  const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(layers) || layers.length === 0)
    throw topologyError('config.layers: expected a non-empty list');
  if (layers.length > MAX_MODEL_LAYERS) {
    throw topologyError(`${layers.length} layers; allowed: at most ${MAX_MODEL_LAYERS}`);
  }
  return layers;
}

function layerSpec(raw: unknown, index: number, inbound: readonly string[]): LayerSpec {
  if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
    throw topologyError(`layer ${index}: expected an object with class_name and a config object`);
  }
  const config = raw.config;
  const name = typeof config.name === 'string' ? config.name : typeof raw.name === 'string' ? raw.name : '';
  if (!/^[A-Za-z0-9][-A-Za-z0-9._]*$/.test(name)) {
    throw topologyError(
      `layer ${index} (${raw.class_name}): name ${JSON.stringify(name)}; allowed: letters, digits, "-", "_", "."`,
    );
  }
  return { name, className: raw.class_name, config, inbound };
}

function sequentialLayers(config: unknown) {
  const layers: LayerSpec[] = [];
  for (const [i, raw] of rawLayers(config).entries()) {
    const previous = layers.at(-1);
    layers.push(layerSpec(raw, i, previous === undefined ? [] : [previous.name]));
  }
  checkUnique(layers);
  const first = layers[0] as LayerSpec;
  return { layers, inputs: [first.name], outputs: [(layers.at(-1) as LayerSpec).name] };
}

/** `[[["dense", 0, 0, {}], …]]`: one node, a list of [layer, node index, tensor index, kwargs]. */
function inboundOf(raw: unknown, index: number): string[] {
  const nodes = isObject(raw) ? raw.inbound_nodes : undefined;
  if (nodes === undefined || (Array.isArray(nodes) && nodes.length === 0)) return [];
  const name = isObject(raw) && isObject(raw.config) ? JSON.stringify(raw.config.name) : `${index}`;
  if (!Array.isArray(nodes)) throw topologyError(`layer ${name}: inbound_nodes: expected a list`);
  if (nodes.some((n) => isObject(n))) refuseKeras3(`inbound node objects in layer ${name}`);
  if (nodes.length > 1) {
    throw topologyError(`layer ${name} is called ${nodes.length} times; shared layers are not supported`);
  }
  const node = nodes[0];
  if (!Array.isArray(node)) throw topologyError(`layer ${name}: inbound_nodes[0]: expected a list`);
  return node.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || entry[1] !== 0 || entry[2] !== 0) {
      throw topologyError(
        `layer ${name}: inbound entry ${JSON.stringify(entry)}; allowed: [layer name, 0, 0, {}]`,
      );
    }
    return entry[0];
  });
}

function endpoints(config: Json, key: 'input_layers' | 'output_layers'): string[] {
  const list = config[key];
  if (!Array.isArray(list) || list.length === 0)
    throw topologyError(`config.${key}: expected a non-empty list`);
  // A single endpoint may be written flat: ["dense", 0, 0].
  const entries = typeof list[0] === 'string' ? [list] : list;
  return entries.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
      throw topologyError(`config.${key}: entry ${JSON.stringify(entry)}; allowed: [layer name, 0, 0]`);
    }
    return entry[0];
  });
}

function functionalLayers(config: unknown) {
  if (!isObject(config)) throw topologyError('config: expected an object');
  const layers = rawLayers(config).map((raw, i) => {
    const spec = layerSpec(raw, i, inboundOf(raw, i));
    // tfjs finds a functional model's layers by this name; without it modelFromJSON never returns.
    if (isObject(raw) && raw.name !== spec.name) {
      throw layerError(
        spec,
        `name: got ${JSON.stringify(raw.name)} beside the layer's config; allowed: its config's name, ${JSON.stringify(spec.name)}`,
      );
    }
    return spec;
  });
  checkUnique(layers);
  return { layers, inputs: endpoints(config, 'input_layers'), outputs: endpoints(config, 'output_layers') };
}

function checkUnique(layers: readonly LayerSpec[]): void {
  const seen = new Set<string>();
  for (const layer of layers) {
    if (seen.has(layer.name))
      throw layerError(layer, 'the name is used by another layer; layer names must be unique');
    seen.add(layer.name);
  }
}
