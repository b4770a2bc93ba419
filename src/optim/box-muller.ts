import { words } from '../core/index.js';
import { bytes as boxMullerWasm } from '../generated/wasm/box-muller.js';
import { checkOutAndBase } from './views.js';
import { instantiateKernel } from './wasm-kernel.js';

/*
 * The `box-muller` noise generator (box-muller.wat): standard normals by the Box-Muller transform,
 * four SFC32 lanes side by side in WebAssembly SIMD, in float32. Faster per normal than the
 * `ziggurat` generator (gaussian.ts) on the paper's MLP, which is what keeps the noise a small
 * share of a training step on the wasm backend (docs/benchmarks.md, "Figures behind the code").
 *
 * What it gives up against the ziggurat: the transform's ln, sin and cos are float32 series (their
 * error is below float32's rounding of the result), and |z| < 6.8 (a true normal exceeds that
 * with probability 1e-11). Its stream is a function of (seed, step, tensor index) alone, as the
 * ziggurat's, and the same on every machine (wasm float32 arithmetic is IEEE, without fused
 * operations).
 */

/** Elements per call of the kernel: its memory holds this many values. A multiple of BLOCK. */
const CHUNK = 16_384;
/** Elements one loop iteration of the kernel writes: two blocks of 8. */
const BLOCK = 16;
/** The kernel's memory layout (box-muller.wat). */
const VALUES_AT = 1024;

/** Which noise: the tensor at position `index` of optimizer step `step` of the run seeded `seed`. */
export interface NoiseKey {
  readonly seed: number;
  readonly step: number;
  readonly index: number;
}

interface Kernel {
  seed(seedLow: number, seedHigh: number, stepLow: number, stepHigh: number, index: number): void;
  /** values[i] += std z_i for i < n, n a multiple of BLOCK. */
  fill(n: number, std: number): void;
  readonly values: Float32Array;
}

let kernel: Kernel | null = null;

/** Instantiates box-muller.wat once per thread (synchronously: the module is about 2 KB). */
function loadKernel(): Kernel {
  if (kernel !== null) return kernel;
  const { functions, buffer } = instantiateKernel(
    'box-muller',
    boxMullerWasm,
    {},
    ['seed', 'fill'],
    VALUES_AT + 4 * CHUNK,
  );
  kernel = {
    seed: functions.seed as Kernel['seed'],
    fill: functions.fill as Kernel['fill'],
    values: new Float32Array(buffer, VALUES_AT, CHUNK),
  };
  return kernel;
}

/**
 * Writes `out[i] = base[i] + std * z_i` for i < out.length, with z_i the standard normals of `key`
 * (`std` rounded to float32). `out` may be `base` itself (noise added in place), but must not
 * partly overlap it.
 *
 * The stream is laid out in blocks of 8 elements (see box-muller.wat) and each call of the kernel
 * covers a whole number of 16-element iterations, so a tensor whose length is not a multiple of
 * 16 leaves the rest of its last iteration's normals unused: element i's value depends on the key
 * and i only, not on how the tensor is chunked here.
 */
export function addScaledNormalsBoxMuller(
  out: Float32Array,
  base: Float32Array,
  std: number,
  key: NoiseKey,
): void {
  const n = out.length;
  checkOutAndBase('addScaledNormalsBoxMuller', out, base);
  const k = loadKernel();
  const [seedLow, seedHigh] = words(key.seed);
  const [stepLow, stepHigh] = words(key.step);
  k.seed(seedLow, seedHigh, stepLow, stepHigh, key.index >>> 0);
  for (let start = 0; start < n; start += CHUNK) {
    const size = Math.min(CHUNK, n - start);
    k.values.set(base.subarray(start, start + size));
    k.fill(Math.ceil(size / BLOCK) * BLOCK, std);
    out.set(k.values.subarray(0, size), start);
  }
}
