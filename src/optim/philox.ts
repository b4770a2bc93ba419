import { philoxKey, words } from '../core/index.js';
import { bytes as philoxWasm } from '../generated/wasm/philox.js';
import type { NoiseKey } from './box-muller.js';
import { checkOutAndBase } from './views.js';
import { instantiateKernel } from './wasm-kernel.js';

/*
 * The `philox` noise generator (philox.wat): Philox4x32-10 (Salmon et al., "Parallel Random
 * Numbers: As Easy as 1, 2, 3", SC 2011), the counter-based generator of cuRAND, PyTorch's CUDA
 * generator and TensorFlow's stateless random ops, and the Box-Muller transform of its words.
 *
 * Counter-based: the noise of element i of a tensor at step t is a function of (seed, step, tensor,
 * i) with no state in between, so any element can be drawn on its own, in any order, on any device.
 * The layout, which a port (a WGSL kernel) must follow to draw the same words:
 *
 * - Key (k0, k1): `philoxKey(seed, index)` of `core/random.ts`, where `index` is the tensor's word
 *   of the noise key (`tensorNameKey` of its checkpoint name from stream version 2, its position in
 *   version 1). One key per tensor for the whole run; a port computes it on the host.
 * - Counter of block b (elements 4b .. 4b + 3): (b, step low word, step high word, 0), the step's
 *   words as `core/sfc32.ts`'s `words` splits a safe integer. Word 3 stays 0 (reserved; block
 *   indices fit word 0 for any tensor under 2^34 elements).
 * - Words (w0, w1, w2, w3) = Philox4x32-10(counter; key): 10 rounds, the key bumped by the Weyl
 *   constants between rounds (philox.wat has the round). The test vectors of Random123 pin it.
 * - Normals: two Box-Muller pairs per block, elements 4b, 4b + 1 from (w0, w1), 4b + 2, 4b + 3 from
 *   (w2, w3). For a pair (a, b): u = ((a >>> 8) + 1) · 2^-24, a 24-bit float in (0, 1], exact in
 *   float32; r = sqrt(-2 ln u); the angle θ = 2π (b >>> 8) · 2^-24 is taken as the quadrant
 *   q = b >>> 30 and φ = (π/2) · ((b >>> 8) & 0x3fffff) · 2^-22 in [0, π/2), and (cos θ, sin θ) is
 *   (C, S), (-S, C), (-C, -S), (S, -C) for q = 0..3 with C = cos φ, S = sin φ. The pair is
 *   (r cos θ, r sin θ). Reducing to a quadrant exactly keeps the angle's rounding small in float32.
 * - Arithmetic: float32 IEEE operations only (+, -, ×, /, sqrt and exact scalings by powers of
 *   two), in the order philox.wat gives: ln u from the exact split u = 2^e f and the atanh series
 *   of f, sin φ and cos φ from Taylor series on [0, π/4] (above π/4 the complement, exact in the
 *   integer bits, with sin and cos swapped); then `out = base + std z`. So the stream does not
 *   depend on any library's ln, sin or cos. The WGSL twin (philox-wgsl.ts, run on `webgpu` by
 *   philox-webgpu.ts) takes the same operations, but WGSL lets a device round / and sqrt a little
 *   differently: its words are equal, its normals within 1e-6 (tested on lavapipe).
 *
 * u >= 2^-24 bounds |z| by sqrt(48 ln 2) ≈ 5.77 (a true normal exceeds it with probability 8e-9).
 */

/** Elements per call of the kernel: its memory holds this many values. A multiple of BLOCK. */
const CHUNK = 16_384;
/** Elements per Philox block: one counter, four words, four normals. */
const BLOCK = 4;
/** The kernel's memory layout (philox.wat). */
const WORDS_AT = 0;
const VALUES_AT = 64;

interface Kernel {
  /** Philox4x32-10 of (c0..c3; k0, k1), its words into `words`. */
  words(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void;
  /** values[4j + i] += std z of block first + j, for j < blocks. */
  fill(
    first: number,
    blocks: number,
    std: number,
    k0: number,
    k1: number,
    stepLow: number,
    stepHigh: number,
  ): void;
  readonly output: Uint32Array;
  readonly values: Float32Array;
}

let kernel: Kernel | null = null;

/** Instantiates philox.wat once per thread (synchronously: the module is a few KB). */
function loadKernel(): Kernel {
  if (kernel !== null) return kernel;
  const { functions, buffer } = instantiateKernel(
    'philox',
    philoxWasm,
    {},
    ['words', 'fill'],
    VALUES_AT + 4 * CHUNK,
  );
  kernel = {
    words: functions.words as Kernel['words'],
    fill: functions.fill as Kernel['fill'],
    output: new Uint32Array(buffer, WORDS_AT, 4),
    values: new Float32Array(buffer, VALUES_AT, CHUNK),
  };
  return kernel;
}

/**
 * The four output words of Philox4x32-10 for `counter` (four 32-bit words) and `key` (two), from
 * the kernel: what the known-answer tests check, and what a port's words are compared with. (Not in
 * the module's index: tests and diagnostics only.)
 */
export function philox4x32(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
): [number, number, number, number] {
  const k = loadKernel();
  k.words(...counter, ...key);
  return Array.from(k.output) as [number, number, number, number];
}

/**
 * Writes `out[i] = base[i] + std * z_i` for i < out.length, with z_i the standard normals of `key`
 * (`std` rounded to float32; the layout is in the module comment). `out` may be `base` itself
 * (noise added in place), but must not partly overlap it. Element i's value depends on the key and
 * i only: a tensor whose length is not a multiple of 4 leaves its last block's extra normals unused.
 */
export function addScaledNormalsPhilox(
  out: Float32Array,
  base: Float32Array,
  std: number,
  key: NoiseKey,
): void {
  const n = out.length;
  checkOutAndBase('addScaledNormalsPhilox', out, base);
  const k = loadKernel();
  const [k0, k1] = philoxKey(key.seed, key.index);
  const [stepLow, stepHigh] = words(key.step);
  for (let start = 0; start < n; start += CHUNK) {
    const size = Math.min(CHUNK, n - start);
    k.values.set(base.subarray(start, start + size));
    k.fill(start / BLOCK, Math.ceil(size / BLOCK), std, k0, k1, stepLow, stepHigh);
    out.set(k.values.subarray(0, size), start);
  }
}
