import { describe, expect, it } from 'vitest';
import { philoxKey, tensorNameKey } from '../../../src/core/index.js';
import { addGradientNoise, addScaledNormalsPhilox, type NoiseState } from '../../../src/optim/index.js';
import { philox4x32 } from '../../../src/optim/philox.js';
import {
  addScaledNormalsPhiloxJs,
  boxMullerPair,
  mulHiLo,
  philox4x32Js,
} from '../../helpers/philox-reference.js';
import { correlation, expectKernelMatchesReference, expectStandardNormal } from './helpers.js';

type Key = { seed: number; step: number; index: number };
type Words4 = [number, number, number, number];
const normals = (n: number, key: Key): Float32Array => {
  const out = new Float32Array(n);
  addScaledNormalsPhilox(out, out, 1, key);
  return out;
};

/** Random123's known-answer vectors for Philox4x32-10 (kat_vectors): (counter; key) → output. */
const KNOWN_ANSWERS: readonly [Words4, [number, number], Words4][] = [
  [
    [0, 0, 0, 0],
    [0, 0],
    [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
  ],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

describe('philox generator', () => {
  it.each(KNOWN_ANSWERS)(
    'gives the known answer for counter %j, key %j, in WebAssembly and JavaScript',
    (counter, key, out) => {
      expect(philox4x32(counter, key)).toEqual(out);
      expect(philox4x32Js(counter, key)).toEqual(out);
    },
  );

  it("reference's 32 × 32 → 64-bit product is exact (against BigInt)", () => {
    const cases = [0, 1, 0xffff, 0x10000, 0xd2511f53, 0xcd9e8d57, 0xffffffff, 0x80000001];
    for (const a of cases) {
      for (const b of cases) {
        const p = BigInt(a) * BigInt(b);
        expect(mulHiLo(a, b)).toEqual([Number(p >> 32n), Number(p & 0xffffffffn)]);
      }
    }
  });

  it('computes in WebAssembly exactly what the JavaScript reference computes, bit for bit', () => {
    // Both take the same float32 operations in the same order: equal bits, not just close.
    expectKernelMatchesReference(addScaledNormalsPhilox, addScaledNormalsPhiloxJs, [
      [1, { seed: 0, step: 0, index: 0 }],
      [23, { seed: -5, step: 3, index: 7 }],
      [16_384 + 9, { seed: 2 ** 45 + 3, step: 2 ** 33 + 1, index: tensorNameKey('layer3/kernel') }],
      [40_002, { seed: 20161104, step: 7, index: 3 }],
    ] as const);
  });

  it('draws element i of step t from its own block only, whatever else is drawn (stateless)', () => {
    const seed = 99;
    const index = tensorNameKey('layer0/kernel');
    const k = philoxKey(seed, index);
    const long = normals(50_001, { seed, step: 12, index });
    // One element at a time, straight from its counter (block i >> 2, the step's words, 0).
    for (const i of [0, 3, 4, 16_383, 16_384, 16_385, 50_000]) {
      const words = philox4x32([i >>> 2, 12, 0, 0], k);
      const pair = (i & 3) < 2 ? boxMullerPair(words[0], words[1]) : boxMullerPair(words[2], words[3]);
      expect(long[i]).toBe(Math.fround(pair[i & 1] as number));
    }
    // A shorter tensor is a prefix; other steps and tensors drawn in between change nothing.
    normals(1000, { seed, step: 13, index });
    normals(777, { seed, step: 12, index: index + 1 });
    expect(normals(5, { seed, step: 12, index })).toEqual(long.subarray(0, 5));
    expect(normals(20_000, { seed, step: 12, index })).toEqual(long.subarray(0, 20_000));
  });

  it('stays within 1e-6 of Box-Muller in float64 with correctly rounded ln, sin and cos', () => {
    // The float32 series against JavaScript's float64 Math on the same words, over 2^17 pairs.
    const k = philoxKey(7, 11);
    let worst = 0;
    for (let block = 0; block < 1 << 16; block++) {
      const w = philox4x32([block, 3, 0, 0], k);
      for (const [a, b] of [
        [w[0], w[1]],
        [w[2], w[3]],
      ] as const) {
        const r = Math.sqrt(-2 * Math.log(((a >>> 8) + 1) * 2 ** -24));
        const theta = 2 * Math.PI * (b >>> 8) * 2 ** -24;
        const [x, y] = boxMullerPair(a, b);
        worst = Math.max(worst, Math.abs(x - r * Math.cos(theta)), Math.abs(y - r * Math.sin(theta)));
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('resumes exactly from a checkpoint of its state (step, seed) alone', () => {
    const grads = () => [Float32Array.from({ length: 300 }, (_, i) => Math.sin(i)), Float32Array.of(1, 2, 3)];
    const noise = addGradientNoise({ eta: 0.5, seed: 41, generator: 'philox', tensorKey: (i) => 1000 + i });
    const through = (state: NoiseState, steps: number): Float32Array[][] => {
      const out: Float32Array[][] = [];
      let s = state;
      for (let t = 0; t < steps; t++) {
        const { updates, state: next } = noise.update(grads(), s);
        out.push(updates as Float32Array[]);
        s = next;
      }
      return out;
    };
    const straight = through(noise.init([]), 6);
    const saved = JSON.parse(JSON.stringify({ step: 4, seed: 41 })) as NoiseState;
    expect(through(saved, 2)).toEqual(straight.slice(4));
    expect(straight[4]).not.toEqual(straight[5]);
  });

  it('has the moments and the CDF of a standard normal over 1e6 normals, and stays below 5.77', () => {
    const z = normals(1_000_003, { seed: 123, step: 0, index: 0 });
    expectStandardNormal(z, [-4, -3, -2, -1, -0.5, -0.01, 0, 0.01, 0.3, 1, 2, 3, 4]);
    let largest = 0;
    for (const v of z) largest = Math.max(largest, Math.abs(v));
    expect(largest).toBeGreaterThan(4);
    expect(largest).toBeLessThan(Math.sqrt(48 * Math.LN2));
    // Lags within a block (the two pairs, cos and sin of one pair) and across blocks.
    const m = 200_000;
    for (const lag of [1, 2, 3, 4, 5, 8]) {
      expect(Math.abs(correlation(z.subarray(lag, m + lag), z.subarray(0, m)))).toBeLessThan(
        5 / Math.sqrt(m),
      );
    }
  });

  it('gives independent streams per seed, step and tensor, and repeats a key exactly', () => {
    const m = 200_000;
    const base = normals(m, { seed: 1, step: 5, index: 0 });
    for (const other of [
      { seed: 1, step: 5, index: 1 },
      { seed: 1, step: 6, index: 0 },
      { seed: 2, step: 5, index: 0 },
      { seed: 2 ** 40 + 1, step: 5, index: 0 },
      { seed: 1, step: 2 ** 33 + 5, index: 0 },
    ]) {
      expect(Math.abs(correlation(base, normals(m, other)))).toBeLessThan(5 / Math.sqrt(m));
    }
    expect(normals(1000, { seed: 1, step: 5, index: 0 })).toEqual(base.subarray(0, 1000));
  });

  it('adds std times the unit normals to the base, in place or not, and refuses a partial overlap', () => {
    for (const n of [1, 3, 4, 17, 16_385]) {
      const base = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
      const out = new Float32Array(n);
      addScaledNormalsPhilox(out, base, 2.5, { seed: 4, step: 2, index: 0 });
      const inPlace = base.slice();
      addScaledNormalsPhilox(inPlace, inPlace, 2.5, { seed: 4, step: 2, index: 0 });
      expect(inPlace).toEqual(out);
      const unit = normals(n, { seed: 4, step: 2, index: 0 });
      out.forEach((o, i) => {
        expect(o).toBe(Math.fround((base[i] as number) + Math.fround(2.5 * (unit[i] as number))));
      });
    }
    const buffer = new Float32Array(200);
    expect(() =>
      addScaledNormalsPhilox(buffer.subarray(0, 100), buffer.subarray(50, 150), 1, {
        seed: 1,
        step: 1,
        index: 1,
      }),
    ).toThrow(/overlap/);
  });

  it('keeps its stream from one version to the next, so runs reproduce (a pinned digest)', () => {
    // Any change to the key, the counter layout or the normals changes this digest. Change it only
    // together with a new generator name: stored runs name the generator they ran with. (IEEE float32
    // arithmetic only, no library ln, sin or cos: the same bits on every platform.)
    const z = normals(100_001, { seed: 20161104, step: 7, index: 3 });
    let h = 0x811c9dc5;
    for (const w of new Uint32Array(z.buffer)) h = Math.imul(h ^ w, 0x01000193) >>> 0;
    expect(h.toString(16)).toBe('d552b8ef');
  });
});
