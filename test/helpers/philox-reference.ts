/**
 * The `philox` generator (src/optim/philox.ts documents its layout) in plain JavaScript, one block
 * at a time: the tests' oracle for the WebAssembly kernel. Its normals take the same float32
 * operations in the same order, so kernel and reference agree bit for bit.
 */

import { philoxKey, words } from '../../src/core/index.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/**
 * The 64-bit product of two 32-bit words as [high, low], exactly: the low word by Math.imul; the
 * high word from 16-bit halves of `a`, whose partial products (< 2^48) are exact in float64.
 */
export function mulHiLo(a: number, b: number): [number, number] {
  const aHigh = a >>> 16;
  const aLow = a & 0xffff;
  const carry = Math.floor((aLow * (b >>> 0)) / 0x1_0000);
  const high = Math.floor((aHigh * (b >>> 0) + carry) / 0x1_0000) >>> 0;
  return [high, Math.imul(a, b) >>> 0];
}

/** Philox4x32-10 of `counter` under `key`: four unsigned 32-bit words. */
export function philox4x32Js(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((w) => w >>> 0) as [number, number, number, number];
  let [k0, k1] = key.map((w) => w >>> 0) as [number, number];
  for (let round = 0; round < 10; round++) {
    const [hi0, lo0] = mulHiLo(M0, c0);
    const [hi1, lo1] = mulHiLo(M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

const f = Math.fround;

/**
 * ln(m 2^-24) for an integer m in [1, 2^24], float32 step by step as philox.wat's $lnUnit. Each
 * float64 operation on float32 values, rounded by Math.fround, is the float32 operation: float64
 * carries more than twice float32's precision, so the double rounding is exact for +, -, ×, / and √.
 */
function lnUnit(m: number): number {
  let e = 31 - Math.clz32(m);
  let x = f(m * 2 ** -e);
  if (x > f(Math.SQRT2)) {
    x = f(x * 0.5);
    e += 1;
  }
  const s = f(f(x - 1) / f(x + 1));
  const s2 = f(s * s);
  let p = f(0.09090909);
  for (const c of [0.11111111, 0.14285715, 0.2, 0.33333334, 1]) p = f(f(c) + f(s2 * p));
  const k = e - 24;
  return f(f(k * f(0.693145751953125)) + f(f(k * f(1.4286068e-6)) + f(f(2 * s) * p)));
}

/** c[0] + x (c[1] + x (c[2] + …)) in float32, innermost last, as philox.wat nests it. */
function horner(x: number, c: readonly number[]): number {
  let p = f(c[c.length - 1] as number);
  for (let i = c.length - 2; i >= 0; i--) p = f(f(c[i] as number) + f(x * p));
  return p;
}

/** The unit normals (r cos θ, r sin θ) of the words a (radius) and b (angle), in float32. */
export function boxMullerPair(a: number, b: number): [number, number] {
  const r = f(Math.sqrt(f(-2 * lnUnit(((a >>> 8) + 1) >>> 0))));
  const bits = (b >>> 8) & 0x3fffff;
  const swap = bits > 0x200000;
  const t = f((swap ? 0x400000 - bits : bits) * 2 ** -22);
  const x = f(f(t * f(1.5707964)) + f(t * f(-4.371139e-8)));
  const x2 = f(x * x);
  const sin = f(x * horner(x2, [1, -0.16666667, 0.008333334, -0.0001984127, 2.7557319e-6]));
  const cos = horner(x2, [1, -0.5, 0.041666668, -0.0013888889, 2.4801588e-5, -2.7557319e-7]);
  const [c, s] = swap ? [sin, cos] : [cos, sin];
  const q = b >>> 30;
  const [u, v] = q & 1 ? [s, c] : [c, s];
  return [f(r * ((q ^ (q >>> 1)) & 1 ? -u : u)), f(r * (q >>> 1 ? -v : v))];
}

/** `out[i] = base[i] + std z_i` for the key, as `addScaledNormalsPhilox` computes it. */
export function addScaledNormalsPhiloxJs(
  out: Float32Array,
  base: Float32Array,
  std: number,
  key: { seed: number; step: number; index: number },
): void {
  const k = philoxKey(key.seed, key.index);
  const [stepLow, stepHigh] = words(key.step);
  const std32 = f(std);
  for (let block = 0; 4 * block < out.length; block++) {
    const [w0, w1, w2, w3] = philox4x32Js([block, stepLow, stepHigh, 0], k);
    const z = [...boxMullerPair(w0, w1), ...boxMullerPair(w2, w3)];
    for (let j = 0; j < 4 && 4 * block + j < out.length; j++) {
      const i = 4 * block + j;
      out[i] = f((base[i] as number) + f(std32 * f(z[j] as number)));
    }
  }
}
