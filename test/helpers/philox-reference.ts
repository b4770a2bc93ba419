/**
 * The `philox` generator (src/optim/philox.ts documents its layout) in plain JavaScript, one block
 * at a time: the tests' oracle for the WebAssembly kernel. Its normals use the same float64
 * operations in the same order (Math.log, Math.sin, Math.cos, Math.sqrt, then float32 rounding), so
 * kernel and reference agree bit for bit.
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

/** The unit normals (r cos θ, r sin θ) of the words a (radius) and b (angle), in float64. */
export function boxMullerPair(a: number, b: number): [number, number] {
  const r = Math.sqrt(-2 * Math.log((((a >>> 8) + 1) >>> 0) * 2 ** -24));
  const phi = (Math.PI / 2) * (((b >>> 8) & 0x3fffff) * 2 ** -22);
  const c = Math.cos(phi);
  const s = Math.sin(phi);
  const q = b >>> 30;
  const [x, y] = q & 1 ? [s, c] : [c, s];
  return [r * ((q ^ (q >>> 1)) & 1 ? -x : x), r * (q >>> 1 ? -y : y)];
}

/** `out[i] = base[i] + std z_i` for the key, as `addScaledNormalsPhilox` computes it. */
export function addScaledNormalsPhiloxJs(
  out: Float32Array,
  base: Float32Array,
  std: number,
  key: { seed: number; step: number; index: number },
): void {
  const f = Math.fround;
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
