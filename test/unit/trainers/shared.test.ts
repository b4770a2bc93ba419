import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_STREAM_VERSION, runStreams, STREAM_VERSIONS, Stream } from '../../../src/core/index.js';
import {
  batchIndices,
  batchSlot,
  epochPermutation,
  stepsPerEpoch,
} from '../../../src/trainers/shared/batching.js';
import { applyDropout, dropoutMask, dropoutMaskValues } from '../../../src/trainers/shared/dropout.js';
import { initKernel, initStd, sussilloGain } from '../../../src/trainers/shared/init.js';
import { softmaxCrossEntropy } from '../../../src/trainers/shared/metrics.js';
import { moments } from '../../helpers/stats.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const streams = (seed: number) => runStreams(seed, CURRENT_STREAM_VERSION);

describe('batching by step', () => {
  it('visits every sample exactly once per epoch, with a short last batch', () => {
    expect(stepsPerEpoch(250, 100)).toBe(3);
    expect(batchSlot(2, 250, 100)).toEqual({ epoch: 0, start: 200, count: 50 });
    expect(batchSlot(3, 250, 100)).toEqual({ epoch: 1, start: 0, count: 100 });
    for (const epoch of [0, 1]) {
      const seen = [0, 1, 2].flatMap((s) => [...batchIndices(streams(5), epoch * 3 + s, 250, 100)]);
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    }
  });

  it('reorders each epoch differently and is a pure function of (seed, step)', () => {
    expect([...epochPermutation(streams(5), 0, 100)]).not.toEqual([...epochPermutation(streams(5), 1, 100)]);
    expect([...epochPermutation(streams(5), 0, 100)]).not.toEqual([...epochPermutation(streams(6), 0, 100)]);
    expect([...batchIndices(streams(5), 7, 250, 100)]).toEqual([...batchIndices(streams(5), 7, 250, 100)]);
  });
});

describe('initialisation (paper §4.1)', () => {
  it('draws kernels with the documented standard deviation per scheme', () => {
    const r = () => streams(3).stream(Stream.init, 0);
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
  it('drop about `rate` of the units, rescale the rest, and depend only on (streams, step, layer)', () => {
    const before = tf.memory().numTensors;
    const mask = dropoutMask(streams(1), 10, 2, [100, 200], 0.25);
    const values = mask.dataSync();
    mask.dispose();
    const dropped = values.filter((v) => v === 0).length / values.length;
    expect(dropped).toBeGreaterThan(0.23);
    expect(dropped).toBeLessThan(0.27);
    expect(new Set(values)).toEqual(new Set([0, Math.fround(1 / 0.75)]));
    const again = dropoutMask(streams(1), 10, 2, [100, 200], 0.25);
    const other = dropoutMask(streams(1), 11, 2, [100, 200], 0.25);
    expect(again.dataSync()).toEqual(values);
    expect(other.dataSync()).not.toEqual(values);
    tf.dispose([again, other]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(STREAM_VERSIONS)(
    'version %i: decide each unit by its uniform, dropping it below the rate (or, kept for version-1 neural_gpu runs, keeping it below 1 - rate)',
    (version) => {
      const rate = 0.3;
      const runs = runStreams(4, version);
      const uniforms = Array.from(
        { length: 1000 },
        (
          (r) => () =>
            r.uniform()
        )(runs.stream(Stream.dropout, 7, 1)),
      );
      const scale = Math.fround(1 / (1 - rate));
      const dropBelow = dropoutMaskValues(runs, 7, 1, 1000, rate);
      expect([...dropBelow]).toEqual(uniforms.map((u) => (u < rate ? 0 : scale)));
      const keepBelow = dropoutMaskValues(runs, 7, 1, 1000, rate, 'keep-if-below-keep');
      expect([...keepBelow]).toEqual(uniforms.map((u) => (u < 1 - rate ? scale : 0)));
      expect([...keepBelow]).not.toEqual([...dropBelow]);
    },
  );

  it('leave activations alone at rate 0 and scale the kept ones, without leaking', () => {
    const x = tf.ones([4, 50]) as tf.Tensor2D;
    expect(applyDropout(x, streams(1), 0, 0, 0)).toBe(x);
    const before = tf.memory().numTensors;
    const dropped = applyDropout(x, streams(1), 0, 0, 0.5);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(new Set(dropped.dataSync())).toEqual(new Set([0, 2]));
    tf.dispose([x, dropped]);
  });
});

describe('softmax cross-entropy', () => {
  const labels = () =>
    tf.tidy(() => tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3).toFloat() as tf.Tensor2D);
  const logits = () => tf.tensor2d([2, -1, 0.5, 0.1, 0.2, 3, -4, 1, 1, 0, 0, 0], [4, 3]);

  it('is tfjs softmaxCrossEntropy, and the version-1 neural_gpu formula agrees with it in value and gradient', () => {
    const before = tf.memory().numTensors;
    const [y, z] = [labels(), logits()];
    const fused = softmaxCrossEntropy(y, z);
    const reference = tf.losses.softmaxCrossEntropy(y, z);
    expect(fused.dataSync()).toEqual(reference.dataSync());
    const legacy = softmaxCrossEntropy(y, z, 'log-softmax');
    expect(legacy.dataSync()[0]).toBeCloseTo(fused.dataSync()[0] as number, 6);
    const grad = (formula: 'fused' | 'log-softmax') =>
      tf.grad((x: tf.Tensor) => softmaxCrossEntropy(y, x as tf.Tensor2D, formula))(z);
    const [gf, gl] = [grad('fused'), grad('log-softmax')];
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(gf, gl))));
    expect(gap.dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([y, z, fused, reference, legacy, gf, gl, gap]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
