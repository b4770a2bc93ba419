import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { tensorNameKey } from '../../../src/core/index.js';
import { createNoisyOptimizer, type NoisyOptimizer } from '../../../src/optim/index.js';

/**
 * Stream version 2 keys each tensor's noise by its checkpoint name: the same named tensor draws the
 * same noise whatever tfjs called its variable and wherever it sits in the gradient list. Version 1
 * (no names given) keeps keying by position.
 */

const SHAPES: Record<string, number[]> = {
  'layer0/kernel': [3, 4],
  'layer0/bias': [4],
  'layer1/kernel': [4, 2],
};

interface Model {
  readonly variables: Map<string, tf.Variable>;
  readonly names: Map<string, string>;
}

/** Variables for SHAPES created in `order`, after `dummies` throwaway variables shift tfjs's counter. */
function model(order: readonly string[], dummies: number): Model {
  const extra = Array.from({ length: dummies }, () => tf.variable(tf.zeros([1])));
  const variables = new Map<string, tf.Variable>();
  for (const name of order) variables.set(name, tf.variable(tf.zeros(SHAPES[name] as number[])));
  tf.dispose(extra);
  return { variables, names: new Map([...variables].map(([name, v]) => [v.name, name])) };
}

/** One step of zero gradients in `order` at SGD rate 1: each weight becomes minus its noise. */
function noiseOf(m: Model, order: readonly string[], byName: boolean, seed = 11): Map<string, number[]> {
  const optimizer: NoisyOptimizer = createNoisyOptimizer(tf.train.sgd(1), { eta: 0.5, seed });
  if (byName) optimizer.keyNoiseByName(m.names);
  const grads = order.map((name) => {
    const v = m.variables.get(name) as tf.Variable;
    return { name: v.name, tensor: tf.zerosLike(v) };
  });
  optimizer.applyGradients(grads);
  tf.dispose(grads.map((g) => g.tensor));
  optimizer.dispose();
  return new Map([...m.variables].map(([name, v]) => [name, Array.from(v.dataSync())]));
}

function dispose(m: Model): void {
  tf.dispose([...m.variables.values()]);
}

const ORDER = ['layer0/kernel', 'layer0/bias', 'layer1/kernel'];
const REVERSED = [...ORDER].reverse();

describe('noise keyed by checkpoint tensor name (stream version 2)', () => {
  it('two models built in other orders, with other tfjs variable names, draw the same noise per named tensor', () => {
    const a = model(ORDER, 0);
    const b = model(REVERSED, 7);
    expect([...a.names.keys()]).not.toEqual([...b.names.keys()]);
    const noiseA = noiseOf(a, ORDER, true);
    const noiseB = noiseOf(b, REVERSED, true);
    for (const name of ORDER) expect(noiseB.get(name)).toEqual(noiseA.get(name));
    expect(noiseA.get('layer0/kernel')?.some((x) => x !== 0)).toBe(true);
    dispose(a);
    dispose(b);
  });

  it('reordering the gradient list changes no tensor’s noise', () => {
    const a = model(ORDER, 0);
    const b = model(ORDER, 0);
    const straight = noiseOf(a, ORDER, true);
    const shuffled = noiseOf(b, ['layer0/bias', 'layer1/kernel', 'layer0/kernel'], true);
    expect(shuffled).toEqual(straight);
    dispose(a);
    dispose(b);
  });

  it('version 1 (no names) keeps keying by position: reordering moves the noise', () => {
    const a = model(ORDER, 0);
    const b = model(ORDER, 0);
    const straight = noiseOf(a, ORDER, false);
    const reversed = noiseOf(b, REVERSED, false);
    expect(reversed.get('layer0/bias')).toEqual(straight.get('layer0/bias'));
    expect(reversed.get('layer0/kernel')).not.toEqual(straight.get('layer0/kernel'));
    dispose(a);
    dispose(b);
  });

  it('fails a step whose gradient has no checkpoint name', () => {
    const a = model(ORDER, 0);
    const optimizer = createNoisyOptimizer(tf.train.sgd(1), { eta: 0.5, seed: 1 });
    optimizer.keyNoiseByName(new Map([...a.names].slice(0, 2)));
    const v = a.variables.get('layer1/kernel') as tf.Variable;
    const g = tf.zerosLike(v);
    expect(() => optimizer.applyGradients([{ name: v.name, tensor: g }])).toThrow('has no checkpoint name');
    g.dispose();
    optimizer.dispose();
    dispose(a);
    expect(tensorNameKey('layer0/kernel')).not.toBe(tensorNameKey('layer0/bias'));
    expect(tensorNameKey('layer0/kernel')).toBe(tensorNameKey('layer0/kernel'));
  });

  it('refuses two variables given one checkpoint name (they would share their noise)', () => {
    const optimizer = createNoisyOptimizer(tf.train.sgd(1), { eta: 0.5, seed: 1 });
    const names = new Map([
      ['dense_1', 'layer0/kernel'],
      ['dense_2', 'layer0/kernel'],
    ]);
    expect(() => optimizer.keyNoiseByName(names)).toThrow('two variables are named "layer0/kernel"');
    optimizer.dispose();
  });
});
