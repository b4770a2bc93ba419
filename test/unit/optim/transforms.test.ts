import { describe, expect, it } from 'vitest';
import { noiseStreams } from '../../../src/core/index.js';
import {
  addGradientNoise,
  addScaledNormalsBoxMuller,
  addScaledNormalsPhilox,
  chain,
  clipByGlobalNorm,
  clipByValue,
  EMPTY_STATE,
  type EmptyState,
  type GradientTransformation,
  globalNorm,
  type HostTensors,
  standardNormals,
} from '../../../src/optim/index.js';

const grads = (): HostTensors => [Float32Array.of(3, -4), null, Float32Array.of(12, 0, 0)];
const values = (u: HostTensors) => u.map((a) => (a === null ? null : Array.from(a)));

describe('clip transforms', () => {
  it('clipByValue clamps each element and leaves inputs and missing gradients alone', () => {
    const input = grads();
    const { updates, state } = clipByValue(3.5).update(input, EMPTY_STATE);
    expect(values(updates)).toEqual([[3, -3.5], null, [3.5, 0, 0]]);
    expect(values(input)).toEqual(values(grads()));
    expect(state).toBe(EMPTY_STATE);
  });

  it('clipByGlobalNorm rescales all tensors together to the maximum norm', () => {
    expect(globalNorm(grads())).toBe(13);
    const { updates } = clipByGlobalNorm(6.5).update(grads(), EMPTY_STATE);
    expect(values(updates)).toEqual([[1.5, -2], null, [6, 0, 0]]);
    expect(globalNorm(updates)).toBeCloseTo(6.5, 6);
    const small = grads();
    expect(clipByGlobalNorm(13).update(small, EMPTY_STATE).updates).toBe(small);
    const bad: HostTensors = [Float32Array.of(Number.NaN, 1)];
    expect(clipByGlobalNorm(1).update(bad, EMPTY_STATE).updates).toBe(bad);
  });

  it('chain applies the transforms in order: by value, then by global norm', () => {
    const both = chain(clipByValue(3), clipByGlobalNorm(3));
    const state = both.init([]);
    expect(state).toEqual([EMPTY_STATE, EMPTY_STATE]);
    const { updates } = both.update(grads(), state);
    // By value gives (3, -3), (3, 0, 0) with norm sqrt(27); then scaled by 3 / sqrt(27).
    const s = 3 / Math.sqrt(27);
    expect(values(updates)).toEqual([
      [Math.fround(3 * s), Math.fround(-3 * s)],
      null,
      [Math.fround(3 * s), 0, 0],
    ]);
    const reversed = chain(clipByGlobalNorm(3), clipByValue(3)).update(grads(), [EMPTY_STATE, EMPTY_STATE]);
    expect(values(reversed.updates)).not.toEqual(values(updates));
    expect(chain().update(grads(), []).updates).toEqual(grads());
  });
});

describe('addGradientNoise', () => {
  const unitNormals = {
    'box-muller': (n: number, step: number, index: number) => {
      const out = new Float32Array(n);
      addScaledNormalsBoxMuller(out, out, 1, { seed: 17, step, index });
      return out;
    },
    ziggurat: (n: number, step: number, index: number) => standardNormals(n, noiseStreams(17, step, index)),
    philox: (n: number, step: number, index: number) => {
      const out = new Float32Array(n);
      addScaledNormalsPhilox(out, out, 1, { seed: 17, step, index });
      return out;
    },
  } as const;
  it.each([
    [undefined, 'box-muller'],
    ['box-muller', 'box-muller'],
    ['ziggurat', 'ziggurat'],
    ['philox', 'philox'],
  ] as const)(
    'generator %s: adds std x unit normals of %s keyed by (seed, step, index) and advances its state',
    (generator, used) => {
      const noise = addGradientNoise({
        eta: 0.25,
        gamma: 0.55,
        seed: 17,
        ...(generator ? { generator } : {}),
      });
      const state = noise.init([]);
      expect(state).toEqual({ step: 0, seed: 17 });
      const step3 = { step: 3, seed: 17 };
      const input = grads();
      const { updates, state: next } = noise.update(input, step3);
      expect(next).toEqual({ step: 4, seed: 17 });
      expect(values(input)).toEqual(values(grads()));
      expect(updates[1]).toBeNull();
      const std = Math.sqrt(0.25 / 4 ** 0.55);
      [0, 2].forEach((i) => {
        const unit = unitNormals[used](input[i]?.length ?? 0, 3, i);
        const got = updates[i] as Float32Array;
        got.forEach((g, j) => {
          expect(g).toBeCloseTo((input[i]?.[j] as number) + std * (unit[j] as number), 5);
        });
      });
      // Pure: the same input and state give the same output.
      expect(values(noise.update(input, step3).updates)).toEqual(values(updates));
    },
  );

  it('with eta = 0 returns the very same arrays', () => {
    const input = grads();
    expect(addGradientNoise({ eta: 0, seed: 1 }).update(input, { step: 0, seed: 1 }).updates).toBe(input);
  });

  it('validates its options like the optimizer', () => {
    expect(() => addGradientNoise({ eta: -1, seed: 1 })).toThrow(
      'eta: got -1; allowed: a finite number >= 0',
    );
    expect(() => clipByValue(0)).toThrow('clip.byValue: got 0; allowed: a finite number > 0');
  });
});

describe('donated updates', () => {
  const noise = () => addGradientNoise({ eta: 0.25, seed: 17 });
  const at = { step: 2, seed: 17 };

  it('addGradientNoise adds in place into a donated array, bit for bit as into a new one', () => {
    const expected = noise().update(grads(), at).updates;
    const input = grads();
    const { updates } = noise().update(input, at, undefined, [true, false, false]);
    expect(updates[0]).toBe(input[0]);
    expect(updates[2]).not.toBe(input[2]);
    expect(values(input)[2]).toEqual(values(grads())[2]);
    expect(values(updates)).toEqual(values(expected));
  });

  it('chain donates what a transformation made to the next, and what the caller donated as long as it passes', () => {
    const seen: (readonly boolean[] | undefined)[] = [];
    const spy: GradientTransformation<EmptyState> = {
      init: () => EMPTY_STATE,
      update(updates, state, _params, donated) {
        seen.push(donated);
        return { updates, state };
      },
    };
    const states = [EMPTY_STATE, EMPTY_STATE] as const;
    chain(clipByValue(100), spy).update(grads(), states);
    chain(clipByGlobalNorm(100), spy).update(grads(), states);
    chain(clipByGlobalNorm(100), spy).update(grads(), states, undefined, [true, false, false]);
    chain(clipByGlobalNorm(1), spy).update(grads(), states, undefined, [false, false, false]);
    expect(seen).toEqual([[true, false, true], undefined, [true, false, false], [true, false, true]]);
  });

  it('chain(clip, noise) never writes into what the caller did not donate', () => {
    const input = grads();
    const both = chain(clipByValue(3.5), noise());
    const { updates } = both.update(input, [EMPTY_STATE, at]);
    expect(values(input)).toEqual(values(grads()));
    const clipped = clipByValue(3.5).update(grads(), EMPTY_STATE).updates;
    expect(values(updates)).toEqual(values(noise().update(clipped, at).updates));
  });
});
