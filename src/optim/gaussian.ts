import type { Sfc32 } from '../core/index.js';
import { bytes as zigguratWasm } from '../generated/wasm/ziggurat.js';
import { checkOutAndBase } from './views.js';
import { instantiateKernel } from './wasm-kernel.js';

/*
 * Standard normals by the ziggurat method (Marsaglia & Tsang, "The Ziggurat Method for Generating
 * Random Variables", 2000), with 128 layers of equal area V under f(x) = exp(-x²/2).
 *
 * Layer i >= 1 is the rectangle [0, x_i] × [f(x_i), f(x_{i-1})] (x_0 = 0), layer 0 is the base
 * strip [0, R] × [0, f(R)] plus the tail beyond R, given the pseudo-width q = V / f(R). A draw picks
 * a layer and a point in it; ~97% of draws land where the rectangle lies wholly under the curve and
 * cost one table look-up and one multiply.
 *
 * One 32-bit output is split into independent fields: bits 0–6 pick the layer, bit 7 the sign and
 * bits 8–31 the position (24 bits, as fine as a float32 mantissa). Using separate bits avoids the
 * correlation between layer and value of the original code, which reused the low bits for both.
 * The tables have 256 cells, one per (sign, layer), with the sign folded into W: a data-dependent
 * branch on the sign would be mispredicted half the time, and removing it made the loop much
 * cheaper (docs/benchmarks.md, "Figures behind the code"). The fast pass runs in WebAssembly
 * (ziggurat.wat).
 */

const LAYERS = 128;
/** The tail's start (ziggurat.wat holds the same literal). */
export const R = 3.442619855899;
const V = 9.91256303526217e-3;
const SCALE = 2 ** 24;

const density = (x: number): number => Math.exp(-0.5 * x * x);

// The tables are exported (not from the module's index) for the JavaScript reference of the
// generator in the tests and benchmarks (test/helpers/ziggurat-reference.ts).
/** K[i]: the position threshold below which a draw in layer i is accepted at once. */
export const K = new Int32Array(LAYERS);
/** W[i]: position → x multiplier of layer i (its right edge / 2^24). */
export const W = new Float64Array(LAYERS);
/** F[i] = f(x_i), with F[0] = f(0) = 1 used as the top of layer 1. */
export const F = new Float64Array(LAYERS);
/** K and W per cell = sign bit × 128 + layer, W negated for the negative cells. */
export const CELL_K = new Int32Array(2 * LAYERS);
export const CELL_W = new Float64Array(2 * LAYERS);

(function buildTables(): void {
  const q = V / density(R);
  K[0] = Math.floor((R / q) * SCALE);
  W[0] = q / SCALE;
  F[0] = 1;
  W[LAYERS - 1] = R / SCALE;
  F[LAYERS - 1] = density(R);
  let upper = R;
  for (let i = LAYERS - 2; i >= 1; i--) {
    const x = Math.sqrt(-2 * Math.log(V / upper + density(upper)));
    K[i + 1] = Math.floor((x / upper) * SCALE);
    upper = x;
    F[i] = density(x);
    W[i] = x / SCALE;
  }
  K[1] = 0;
  for (let cell = 0; cell < 2 * LAYERS; cell++) {
    CELL_K[cell] = K[cell & (LAYERS - 1)] as number;
    CELL_W[cell] = (cell & LAYERS ? -1 : 1) * (W[cell & (LAYERS - 1)] as number);
  }
})();

/** The generators of one tensor's noise: lane 0 draws the even elements, lane 1 the odd ones, lane 2
 * the extra uniforms of the rare draws that fall outside the fast region. */
export type NormalStreams = readonly [Sfc32, Sfc32, Sfc32];

/** Elements per call of the kernel: its memory holds this many values and deferred draws. */
const CHUNK = 16_384;
/** The kernel's memory layout (ziggurat.wat). */
const CELL_W_AT = 0;
const CELL_K_AT = 2048;
const STATE_AT = 3072;
const F_AT = 3136;
const VALUES_AT = 8192;
const DEFERRED_INDEX_AT = VALUES_AT + 4 * CHUNK;
const DEFERRED_DRAW_AT = DEFERRED_INDEX_AT + 4 * CHUNK;
const DEFERRED_BASE_AT = DEFERRED_DRAW_AT + 4 * CHUNK;

type Lists = [deferredIndexAt: number, deferredDrawAt: number, deferredBaseAt: number];
const LISTS: Lists = [DEFERRED_INDEX_AT, DEFERRED_DRAW_AT, DEFERRED_BASE_AT];

interface Kernel {
  /** The fast pass over `values[0, n)`; returns how many draws it deferred. */
  fill(n: number, std: number, ...lists: Lists): number;
  /** The slow pass over the deferred draws of the last `fill`. */
  redo(pending: number, std: number, ...lists: Lists): void;
  /** One exact standard normal for the draw `u`, further randomness from lane 2. */
  slow(u: number): number;
  readonly values: Float32Array;
  /** The three lanes' a, b, c, d. */
  readonly state: Int32Array;
}

let kernel: Kernel | null = null;

/** Instantiates ziggurat.wat once per thread (synchronously: the module is under 1 KB). */
function loadKernel(): Kernel {
  if (kernel !== null) return kernel;
  // Math.exp and Math.log themselves, so the slow path's numbers are JavaScript's to the last bit.
  const imports = { math: { exp: Math.exp, log: Math.log } };
  const { functions, buffer } = instantiateKernel(
    'ziggurat',
    zigguratWasm,
    imports,
    ['fill', 'redo', 'slow'],
    DEFERRED_BASE_AT + 4 * CHUNK,
  );
  new Float64Array(buffer, CELL_W_AT, 2 * LAYERS).set(CELL_W);
  new Int32Array(buffer, CELL_K_AT, 2 * LAYERS).set(CELL_K);
  new Float64Array(buffer, F_AT, LAYERS).set(F);
  kernel = {
    fill: functions.fill as Kernel['fill'],
    redo: functions.redo as Kernel['redo'],
    slow: functions.slow as Kernel['slow'],
    values: new Float32Array(buffer, VALUES_AT, CHUNK),
    state: new Int32Array(buffer, STATE_AT, 12),
  };
  return kernel;
}

/**
 * Writes `out[i] = base[i] + std * z_i` for i < out.length, with z_i independent standard normals
 * from `streams` (which advance). `out` may be `base` itself (noise added in place), but must not
 * partly overlap it.
 *
 * Two passes keep the distribution exact and the hot loop free of branches that mispredict:
 * - the fast pass (ziggurat.wat, in chunks) draws element i from lane i & 1 and writes every
 *   element as if its draw were accepted, recording the ~2.8% that miss the fast region;
 * - then, in index order, those are redone by the exact slow path, lane 2 supplying its extra
 *   randomness. An odd last element is drawn from lane 0 here too.
 * Two lanes side by side, because each SFC32 step depends on the one before and two independent
 * chains let the CPU overlap them (docs/benchmarks.md has the timings of each choice).
 */
export function addScaledNormals(
  out: Float32Array,
  base: Float32Array,
  std: number,
  streams: NormalStreams,
): void {
  const n = out.length;
  checkOutAndBase('addScaledNormals', out, base);
  const k = loadKernel();
  const state = k.state;
  streams.forEach((lane, i) => {
    state[4 * i] = lane.a;
    state[4 * i + 1] = lane.b;
    state[4 * i + 2] = lane.c;
    state[4 * i + 3] = lane.d;
  });
  const pairs = n - (n & 1);
  // Chunk by chunk: lanes 0 and 1 continue across chunks, and lane 2 redoes each chunk's misses
  // in index order, so the result is the same as one pass over the whole tensor.
  for (let start = 0; start < pairs; start += CHUNK) {
    const size = Math.min(CHUNK, pairs - start);
    k.values.set(base.subarray(start, start + size));
    const pending = k.fill(size, std, ...LISTS);
    if (pending > 0) k.redo(pending, std, ...LISTS);
    out.set(k.values.subarray(0, size), start);
  }
  const read = (lane: Sfc32, i: number): void => {
    lane.a = state[4 * i] as number;
    lane.b = state[4 * i + 1] as number;
    lane.c = state[4 * i + 2] as number;
    lane.d = state[4 * i + 3] as number;
  };
  streams.forEach(read);
  // An odd last element: lane 0's next draw, through the slow path (which accepts fast draws too).
  if (pairs < n) {
    out[pairs] = (base[pairs] as number) + std * k.slow(streams[0].next());
    read(streams[2], 2);
  }
}

/** `n` standard normals from `streams`, for tests and diagnostics. */
export function standardNormals(n: number, streams: NormalStreams): Float32Array {
  const out = new Float32Array(n);
  addScaledNormals(out, new Float32Array(n), 1, streams);
  return out;
}
