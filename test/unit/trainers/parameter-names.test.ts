import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinTrainers, type TrainerSession } from '../../../src/trainers/index.js';
import { context, sgd } from './helpers.js';

/**
 * Every built-in session names each trained variable by its checkpoint name (`parameterNames`), the
 * key of its noise from stream version 2: the names are exactly those of `exportState`, and two
 * sessions whose tfjs variable names differ give the same checkpoint names.
 */

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CONFIGS: Record<string, Record<string, unknown>> = {
  smoke: {},
  mlp: { depth: 2, width: 8, data: { source: 'mnist', trainSize: 100, testSize: 20 } },
  neural_gpu: {
    maps: 4,
    layers: 1,
    height: 2,
    batchSize: 2,
    maxTrainLength: 3,
    testLengths: [3],
    evalExamples: 4,
  },
  nram: {
    memorySize: 8,
    registers: 2,
    timesteps: 2,
    hiddenSize: 4,
    batchSize: 2,
    maxListLength: 2,
    evalExamples: 4,
  },
  memn2n: { hops: 2, embeddingSize: 4, memorySize: 10 },
};

async function session(trainer: string, dummies: number): Promise<TrainerSession> {
  const definition = builtinTrainers.get(trainer);
  const config = definition.compile({ ...definition.defaults, ...CONFIGS[trainer] });
  const extra = Array.from({ length: dummies }, () => tf.variable(tf.zeros([1])));
  tf.dispose(extra);
  return definition.create(config, context(1, sgd(1, 0.1, 0.01)));
}

describe('TrainerSession.parameterNames', () => {
  it.each(Object.keys(CONFIGS))('%s: the checkpoint names, keyed by tfjs variable names', async (trainer) => {
    const a = await session(trainer, 0);
    const b = await session(trainer, 5);
    const state = a.exportState();
    const exported = state.tensors.map((t) => t.name).sort();
    tf.dispose(state.tensors.map((t) => t.tensor));
    const names = a.parameterNames();
    expect([...names.values()].sort()).toEqual(exported);
    expect([...b.parameterNames().values()].sort()).toEqual(exported);
    // Other tfjs names, same checkpoint names: the noise key cannot depend on the former.
    expect([...b.parameterNames().keys()].sort()).not.toEqual([...names.keys()].sort());
    for (const variable of names.keys()) expect(tf.engine().registeredVariables[variable]).toBeDefined();
    a.dispose();
    b.dispose();
  });
});
