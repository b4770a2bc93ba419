import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashKey, rng, Stream } from '../../../src/core/index.js';
import {
  batchIndices,
  batchSlot,
  epochPermutation,
  stepsPerEpoch,
} from '../../../src/trainers/shared/batching.js';
import { dropoutMask } from '../../../src/trainers/shared/dropout.js';
import { initKernel, initStd, sussilloGain } from '../../../src/trainers/shared/init.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function moments(values: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i] as number;
    sum += v;
    sq += v * v;
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(sq / values.length - mean * mean) };
}

describe('seeded streams', () => {
  it('repeat for the same key and differ for any change of seed, stream or index', () => {
    const draw = (key: number[]) =>
      Array.from(
        { length: 4 },
        (
          (r) => () =>
            r.uint32()
        )(rng(key)),
      );
    expect(draw([7, Stream.init, 3])).toEqual(draw([7, Stream.init, 3]));
    const variants = [
      [7, Stream.init, 3],
      [8, Stream.init, 3],
      [7, Stream.dropout, 3],
      [7, Stream.init, 4],
      [7 + 2 ** 32, Stream.init, 3],
      [-7, Stream.init, 3],
    ];
    const outputs = new Set(variants.map((key) => JSON.stringify(draw(key))));
    expect(outputs.size).toBe(variants.length);
    expect(hashKey([1, 2])).not.toBe(hashKey([2, 1]));
  });

  it('give uniforms in [0, 1) and standard normals with the right moments', () => {
    const r = rng([1, 2, 3]);
    const u = Float64Array.from({ length: 100_000 }, () => r.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(moments(u).mean).toBeCloseTo(0.5, 2);
    const z = r.fillNormal(new Float32Array(100_000), 0, 1);
    expect(moments(z).mean).toBeCloseTo(0, 1);
    expect(moments(z).std).toBeCloseTo(1, 1);
    expect(Math.abs(moments(z).std - 1)).toBeLessThan(0.01);
  });

  it('permute 0..n-1 and draw unbiased integers below n', () => {
    const p = rng([9]).permutation(1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...p.subarray(0, 10)]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const r = rng([10]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i += 1) {
      const k = r.below(3);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });
});

describe('batching by step', () => {
  it('visits every sample exactly once per epoch, with a short last batch', () => {
    expect(stepsPerEpoch(250, 100)).toBe(3);
    expect(batchSlot(2, 250, 100)).toEqual({ epoch: 0, start: 200, count: 50 });
    expect(batchSlot(3, 250, 100)).toEqual({ epoch: 1, start: 0, count: 100 });
    for (const epoch of [0, 1]) {
      const seen = [0, 1, 2].flatMap((s) => [...batchIndices(5, epoch * 3 + s, 250, 100)]);
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    }
  });

  it('reorders each epoch differently and is a pure function of (seed, step)', () => {
    expect([...epochPermutation(5, 0, 100)]).not.toEqual([...epochPermutation(5, 1, 100)]);
    expect([...epochPermutation(5, 0, 100)]).not.toEqual([...epochPermutation(6, 0, 100)]);
    expect([...batchIndices(5, 7, 250, 100)]).toEqual([...batchIndices(5, 7, 250, 100)]);
  });
});

describe('initialisation (paper §4.1)', () => {
  it('draws kernels with the documented standard deviation per scheme', () => {
    const r = () => rng([3, Stream.init, 0]);
    const simple = moments(initKernel('simple', 784, 50, true, r()));
    expect(simple.std).toBeCloseTo(0.1, 2);
    expect(simple.mean).toBeCloseTo(0, 2);
    expect(moments(initKernel('he', 50, 50, true, r())).std).toBeCloseTo(Math.sqrt(2 / 50), 2);
    expect(sussilloGain(50, true)).toBeCloseTo(1.4503, 4);
    expect(sussilloGain(50, false)).toBeCloseTo(Math.exp(0.01), 10);
    expect(sussilloGain(2, true)).toBeCloseTo(Math.SQRT2 * Math.exp(1.2 / 3.6), 10);
    expect(moments(initKernel('sussillo', 50, 50, true, r())).std).toBeCloseTo(1.4503 / Math.sqrt(50), 2);
    expect(initKernel('zero', 10, 10, true, r()).every((v) => v === 0)).toBe(true);
    expect(initStd('simple', 5, false)).toBe(0.1);
  });
});

describe('dropout masks', () => {
  it('drop about `rate` of the units, rescale the rest, and depend only on (seed, step, layer)', () => {
    const before = tf.memory().numTensors;
    const mask = dropoutMask(1, 10, 2, [100, 200], 0.25);
    const values = mask.dataSync();
    mask.dispose();
    const dropped = values.filter((v) => v === 0).length / values.length;
    expect(dropped).toBeGreaterThan(0.23);
    expect(dropped).toBeLessThan(0.27);
    expect(new Set(values)).toEqual(new Set([0, Math.fround(1 / 0.75)]));
    const again = dropoutMask(1, 10, 2, [100, 200], 0.25);
    const other = dropoutMask(1, 11, 2, [100, 200], 0.25);
    expect(again.dataSync()).toEqual(values);
    expect(other.dataSync()).not.toEqual(values);
    tf.dispose([again, other]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
