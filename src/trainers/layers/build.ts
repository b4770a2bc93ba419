import * as tf from '@tensorflow/tfjs';
import { AppError, type RunStreams, Stream } from '../../core/index.js';
import type { NamedVariable } from '../shared/named-variables.js';
import { isObject, type Json, type TopologyAnalysis } from './topology/index.js';

/**
 * The model of a checked topology, built by tfjs-layers in the worker, with its weights under
 * names that do not depend on the process.
 *
 * Before tfjs reads the topology it is copied and changed, so a run is a function of its seed:
 * every initializer gets a `seed` drawn from the run's stream (Stream.init, layer, key), since an
 * unseeded tfjs initializer draws from Math.random (a random default that the JSON leaves out is
 * written out first, as tfjs would pick it); and a BatchNormalization
 * `axis` written as a one-element list (tf.keras writes it so) becomes the number tfjs expects; a
 * Reshape's -1 is replaced by the size the structural check computed.
 * Only the topology is handed to `modelFromJSON`, never a weights manifest, so nothing is fetched.
 */

/** A built model and its weights by checkpoint name. */
export interface BuiltModel {
  readonly model: tf.LayersModel;
  /** Every weight (trainable or not) under its checkpoint name, in the model's order. */
  readonly weights: readonly NamedVariable[];
  /** The trainable ones, for the optimizer. */
  readonly trainable: readonly tf.Variable[];
  /** The Dropout layers, whose `seed` the session sets before each training step. */
  readonly dropouts: readonly tf.layers.Layer[];
}

/** The initializers tfjs would draw from Math.random when a layer names none: written out, then seeded. */
const RANDOM_DEFAULTS: Readonly<Record<string, { key: string; initializer: Json }>> = {
  Dense: { key: 'kernel_initializer', initializer: { class_name: 'GlorotUniform', config: {} } },
  Conv1D: { key: 'kernel_initializer', initializer: { class_name: 'GlorotUniform', config: {} } },
  Conv2D: { key: 'kernel_initializer', initializer: { class_name: 'GlorotUniform', config: {} } },
  Embedding: {
    key: 'embeddings_initializer',
    initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05 } },
  },
};

const DROPOUT_CLASSES = new Set(['Dropout', 'SpatialDropout1D']);

export async function buildModel(analysis: TopologyAnalysis, streams: RunStreams): Promise<BuiltModel> {
  const topology = seededTopology(analysis, streams);
  const model = await tf.models.modelFromJSON({
    modelTopology: topology as tf.io.ModelJSON['modelTopology'],
  });
  try {
    const built = model.countParams();
    if (built !== analysis.params) {
      throw new AppError(
        'INTERNAL',
        `layers: tfjs built ${built} parameters where the structural check counted ${analysis.params}`,
      );
    }
    const weights: NamedVariable[] = [];
    const seen = new Set<string>();
    for (const layer of model.layers) {
      for (const weight of layer.weights) {
        const name = checkpointName(layer.name, weight.originalName);
        if (seen.has(name)) throw new AppError('INVALID_ARGUMENT', `model: two weights are named ${name}`);
        seen.add(name);
        weights.push({ name, variable: weight.read() as tf.Variable });
      }
    }
    return {
      model,
      weights,
      trainable: model.trainableWeights.map((w) => w.read() as tf.Variable),
      dropouts: model.layers.filter((l) => DROPOUT_CLASSES.has(l.getClassName())),
    };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * A weight's checkpoint name: its layer's name, then the weight's `originalName` within the layer
 * (`dense_1/kernel`). tfjs names the variable itself with a per-process suffix (`dense_1/kernel_1`
 * for the second model built in a process); `originalName` has none.
 */
export function checkpointName(layerName: string, originalName: string): string {
  return originalName.startsWith(`${layerName}/`) ? originalName : `${layerName}/${originalName}`;
}

/**
 * A deep copy of the topology with seeded initializers, numeric BatchNormalization axes, and
 * Reshape target shapes written out where they hold a -1 (tfjs-layers leaves that axis unknown,
 * and a Flatten or Dense after it then fails; the structural check computed it).
 */
function seededTopology(analysis: TopologyAnalysis, streams: RunStreams): Json {
  const copy = structuredClone(analysis.topology) as Record<string, unknown>;
  const shapes = new Map(analysis.layers.map((l) => [l.name, l.shape]));
  const config = copy.config;
  const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : [];
  if (!Array.isArray(layers)) return copy;
  for (const [index, layer] of layers.entries()) {
    if (!isObject(layer) || !isObject(layer.config)) continue;
    const settings = layer.config as Record<string, unknown>;
    const random = RANDOM_DEFAULTS[String(layer.class_name)];
    if (random !== undefined && (settings[random.key] === undefined || settings[random.key] === null)) {
      settings[random.key] = structuredClone(random.initializer);
    }
    for (const [k, key] of Object.keys(settings).sort().entries()) {
      const initializer = settings[key];
      if (key.endsWith('_initializer') && isObject(initializer) && isObject(initializer.config)) {
        (initializer.config as Record<string, unknown>).seed = streams.stream(Stream.init, index, k).uint32();
      }
    }
    if (
      layer.class_name === 'BatchNormalization' &&
      Array.isArray(settings.axis) &&
      settings.axis.length === 1
    ) {
      settings.axis = settings.axis[0];
    }
    const shape = shapes.get(String(settings.name));
    if (layer.class_name === 'Reshape' && shape !== undefined) settings.target_shape = [...shape];
  }
  return copy;
}
