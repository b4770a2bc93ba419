import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  chain,
  clipByGlobalNorm,
  clipByTensorNorm,
  clipByValue,
  createNoisyOptimizer,
  EMPTY_STATE,
  type HostTensors,
  tensorNorm,
} from '../../../src/optim/index.js';

/** A reference in float64: each tensor scaled by min(1, max / ‖g_i‖), rounded to float32 once. */
function referenceTensorClip(updates: HostTensors, max: number): (number[] | null)[] {
  return updates.map((values) => {
    if (values === null) return null;
    const norm = Math.sqrt(Array.from(values).reduce((sum, v) => sum + v * v, 0));
    const scale = norm > max ? max / norm : 1;
    return Array.from(values, (v) => Math.fround(v * scale));
  });
}

const values = (u: HostTensors) => u.map((a) => (a === null ? null : Array.from(a)));

/** Norms 5, (missing), 13, 0.5: only the first and third exceed 4. */
const grads = (): HostTensors => [
  Float32Array.of(3, -4),
  null,
  Float32Array.of(12, 0, 5),
  Float32Array.of(0.3, 0.4),
];

describe('clipByTensorNorm', () => {
  it('rescales each tensor on its own to the bound and leaves the others and the inputs alone', () => {
    const input = grads();
    const { updates, state } = clipByTensorNorm(4).update(input, EMPTY_STATE);
    expect(values(updates)).toEqual(referenceTensorClip(grads(), 4));
    expect(tensorNorm(updates[0] as Float32Array)).toBeCloseTo(4, 6);
    expect(tensorNorm(updates[2] as Float32Array)).toBeCloseTo(4, 6);
    // Below the bound: the very same array, not a copy.
    expect(updates[3]).toBe(input[3]);
    expect(values(input)).toEqual(values(grads()));
    expect(state).toBe(EMPTY_STATE);
  });

  it('matches the reference on random tensors of many sizes', () => {
    let x = 12345;
    const next = () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return (x / 2 ** 32 - 0.5) * 20;
    };
    const input: HostTensors = [1, 3, 4, 7, 17, 64, 1000].map((n) => Float32Array.from({ length: n }, next));
    for (const max of [0.5, 5, 40, 1e6]) {
      expect(values(clipByTensorNorm(max).update(input, EMPTY_STATE).updates)).toEqual(
        referenceTensorClip(input, max),
      );
    }
  });

  it('returns the input list itself when no tensor exceeds the bound', () => {
    const input = grads();
    expect(clipByTensorNorm(13).update(input, EMPTY_STATE).updates).toBe(input);
  });

  it('passes a tensor with a non-finite norm through', () => {
    const bad: HostTensors = [Float32Array.of(Number.NaN, 1), Float32Array.of(30, 40)];
    const { updates } = clipByTensorNorm(5).update(bad, EMPTY_STATE);
    expect(updates[0]).toBe(bad[0]);
    expect(Array.from(updates[1] as Float32Array)).toEqual([3, 4]);
  });

  it('differs from the global clip: one large tensor does not shrink the others', () => {
    const perTensor = clipByTensorNorm(4).update(grads(), EMPTY_STATE).updates;
    const global = clipByGlobalNorm(4).update(grads(), EMPTY_STATE).updates;
    expect(Array.from(perTensor[3] as Float32Array)).toEqual(Array.from(grads()[3] as Float32Array));
    expect(tensorNorm(global[3] as Float32Array)).toBeLessThan(0.5);
  });

  it('rejects a bound that is not a finite number > 0', () => {
    expect(() => clipByTensorNorm(0)).toThrow('clip.byTensorNorm: got 0; allowed: a finite number > 0');
    expect(() => clipByTensorNorm(Number.NaN)).toThrow('clip.byTensorNorm: got NaN');
  });
});

describe('the noisy optimizer clips by value, then per tensor, then globally', () => {
  it('applies exactly chain(clipByValue, clipByTensorNorm, clipByGlobalNorm)', () => {
    const clip = { byValue: 10, byTensorNorm: 8, byGlobalNorm: 9 };
    const expected = chain(
      clipByValue(clip.byValue),
      clipByTensorNorm(clip.byTensorNorm),
      clipByGlobalNorm(clip.byGlobalNorm),
    ).update(grads(), [EMPTY_STATE, EMPTY_STATE, EMPTY_STATE]).updates;
    // Any other order gives other values here, so the test pins the order.
    const otherOrder = chain(
      clipByTensorNorm(clip.byTensorNorm),
      clipByValue(clip.byValue),
      clipByGlobalNorm(clip.byGlobalNorm),
    ).update(grads(), [EMPTY_STATE, EMPTY_STATE, EMPTY_STATE]).updates;
    expect(values(otherOrder)).not.toEqual(values(expected));

    const input = grads();
    const variables = input.map((g, i) => tf.variable(tf.zeros([g?.length ?? 1]), true, `clip_order_${i}`));
    const optimizer = createNoisyOptimizer(tf.train.sgd(1), { eta: 0, seed: 0, clip });
    optimizer.applyGradients(
      variables.map((v, i) => {
        const g = input[i] ?? null;
        return { name: v.name, tensor: g === null ? (null as unknown as tf.Tensor) : tf.tensor(g) };
      }),
    );
    // SGD at lr 1 from zero: each weight is minus its clipped gradient.
    const applied = variables.map((v, i) =>
      input[i] === null ? null : Array.from(v.dataSync(), (w) => 0 - w),
    );
    expect(applied).toEqual(values(expected));
    optimizer.dispose();
    tf.dispose(variables);
  });
});
