/**
 * The `box-muller` generator (src/optim/box-muller.wat) in plain JavaScript, one lane and one
 * operation at a time, every float32 operation rounded with Math.fround: the tests' oracle for the
 * SIMD kernel, which must agree with it bit for bit. (A float32 +, -, ×, ÷ or √ computed in float64
 * and then rounded is the correctly rounded float32 result, so Math.fround reproduces them exactly.)
 */

import { mix32 } from '../../src/core/index.js';

const f = Math.fround;
const scratch = new DataView(new ArrayBuffer(4));
const bitsOf = (x: number): number => {
  scratch.setFloat32(0, x);
  return scratch.getUint32(0);
};
const fromBits = (b: number): number => {
  scratch.setUint32(0, b >>> 0);
  return scratch.getFloat32(0);
};

/** Lane `lane` (0–3) of the kernel's SFC32 generators for the key words. */
function laneState(lane: number, key: readonly number[]): [number, number, number, number] {
  const state = [0, 1, 2, 3].map((w) => {
    // The kernel's hash (box-muller.wat): core/sfc32.ts's mix32 per lane, in signed 32-bit words.
    let h = mix32(Math.imul(0x626d3201 + lane + 4 * w, 0x9e3779b9)) | 0;
    for (const k of key) h = mix32(((h ^ k) + 0x632be5ab) | 0) | 0;
    return h;
  }) as [number, number, number, number];
  for (let i = 0; i < 12; i++) next(state);
  return state;
}

function next(s: [number, number, number, number]): number {
  const [a, b, c, d] = s;
  const t = (a + b + d) | 0;
  s[3] = (d + 1) | 0;
  s[0] = b ^ (b >>> 9);
  s[1] = (c + (c << 3)) | 0;
  s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
  return t;
}

/** The Box-Muller pair of one lane for the outputs t and v, scaled by `std` (a float32). */
function pair(t: number, v: number, std: number): [number, number] {
  const u = f(f(f((t >>> 1) | 0) + 0.25) * 2 ** -31);
  let m = fromBits((bitsOf(u) & 0x007fffff) | 0x3f800000);
  let e = (bitsOf(u) >>> 23) - 127;
  if (m > 1 + 0x6a09e6 / 2 ** 24) {
    m = f(m * 0.5);
    e += 1;
  }
  const s = f(f(m - 1) / f(m + 1));
  let x = f(s * s);
  let p = f(f(1 / 7) + f(x * f(1 / 9)));
  p = f(f(0.2) + f(x * p));
  p = f(f(1 / 3) + f(x * p));
  p = f(1 + f(x * p));
  const ln = f(f(f(e) * f(Math.LN2)) + f(f(s + s) * p));
  const r = f(std * f(Math.sqrt(f(-2 * ln))));
  const phi = f(f(v & 0x3fffffff) * f(Math.PI / 2 / 2 ** 30));
  x = f(phi * phi);
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  let sin = f(f(-1 / fact(11)) + f(x * f(1 / fact(13))));
  let cos = f(f(-1 / fact(10)) + f(x * f(1 / fact(12))));
  for (const k of [9, 7, 5, 3]) {
    sin = f(f((k % 4 === 1 ? 1 : -1) / fact(k)) + f(x * sin));
    cos = f(f((k % 4 === 1 ? 1 : -1) / fact(k - 1)) + f(x * cos));
  }
  sin = f(phi + f(f(x * phi) * sin));
  cos = f(1 + f(x * cos));
  const swap = (v & 0x40000000) !== 0;
  let z1 = swap ? sin : cos;
  let z2 = swap ? cos : sin;
  if (((v >>> 31) ^ ((v >>> 30) & 1)) === 1) z1 = -z1;
  if (v >>> 31 === 1) z2 = -z2;
  return [f(r * z1), f(r * z2)];
}

/** Same contract as `addScaledNormalsBoxMuller`, except that `out` must not be `base`. */
export function addScaledNormalsBoxMullerJs(
  out: Float32Array,
  base: Float32Array,
  std: number,
  key: { readonly seed: number; readonly step: number; readonly index: number },
): void {
  const words = (n: number): [number, number] => [n >>> 0, Math.floor(n / 0x1_0000_0000) | 0];
  const lanes = [0, 1, 2, 3].map((l) =>
    laneState(
      l,
      [...words(key.seed), ...words(key.step), key.index >>> 0].map((w) => w | 0),
    ),
  );
  const scale = f(std);
  for (let block = 0; 8 * block < out.length; block++) {
    const draws = lanes.map((s) => [next(s), next(s)] as const);
    draws.forEach(([t, v], lane) => {
      const [z1, z2] = pair(t, v, scale);
      for (const [i, z] of [
        [8 * block + lane, z1],
        [8 * block + 4 + lane, z2],
      ] as const) {
        if (i < out.length) out[i] = f((base[i] as number) + z);
      }
    });
  }
}
