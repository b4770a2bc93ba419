import type { Sfc32 } from './random.js';

/*
 * Standard normals by the ziggurat method (Marsaglia & Tsang, "The Ziggurat Method for Generating
 * Random Variables", 2000), with 128 layers of equal area V under f(x) = exp(-x²/2).
 *
 * Layer i >= 1 is the rectangle [0, x_i] × [f(x_i), f(x_{i-1})] (x_0 = 0), layer 0 is the base
 * strip [0, R] × [0, f(R)] plus the tail beyond R, given the pseudo-width q = V / f(R). A draw picks
 * a layer and a point in it; ~99% of draws land where the rectangle lies wholly under the curve and
 * cost one table look-up and one multiply.
 *
 * One 32-bit output is split into independent fields: bits 0–6 pick the layer, bit 7 the sign and
 * bits 8–31 the position (24 bits, as fine as a float32 mantissa). Using separate bits avoids the
 * correlation between layer and value of the original code, which reused the low bits for both.
 * The tables have 256 cells, one per (sign, layer), with the sign folded into W: a data-dependent
 * branch on the sign would be mispredicted half the time, and removing it halved the cost of the
 * loop (bench/optim.ts, docs/benchmarks.md).
 */

const LAYERS = 128;
const R = 3.442619855899;
const V = 9.91256303526217e-3;
const SCALE = 2 ** 24;

const density = (x: number): number => Math.exp(-0.5 * x * x);

/** K[i]: the position threshold below which a draw in layer i is accepted at once. */
const K = new Int32Array(LAYERS);
/** W[i]: position → x multiplier of layer i (its right edge / 2^24). */
const W = new Float64Array(LAYERS);
/** F[i] = f(x_i), with F[0] = f(0) = 1 used as the top of layer 1. */
const F = new Float64Array(LAYERS);
/** K and W per cell = sign bit × 128 + layer, W negated for the negative cells. */
const CELL_K = new Int32Array(2 * LAYERS);
const CELL_W = new Float64Array(2 * LAYERS);

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

/**
 * The exact ziggurat for the draw `first`: accepted at once in the fast region, else the tail, a
 * wedge test, or a fresh draw, all with further randomness from `rng`.
 */
function slowNormal(rng: Sfc32, first: number): number {
  let u = first;
  for (;;) {
    const layer = u & (LAYERS - 1);
    const position = u >>> 8;
    const negative = (u & 128) !== 0;
    if (position < (K[layer] as number)) {
      const x = position * (W[layer] as number);
      return negative ? -x : x;
    }
    if (layer === 0) {
      // Marsaglia's tail method: exact samples from the normal conditioned on |x| > R.
      let x: number;
      let y: number;
      do {
        x = -Math.log(rng.nextOpenUnit()) / R;
        y = -Math.log(rng.nextOpenUnit());
      } while (y + y < x * x);
      return negative ? -(R + x) : R + x;
    }
    const x = position * (W[layer] as number);
    const lower = F[layer] as number;
    const top = F[layer - 1] as number;
    if (lower + rng.nextOpenUnit() * (top - lower) < density(x)) return negative ? -x : x;
    u = rng.next();
  }
}

/** The generators of one tensor's noise: lane 0 draws the even elements, lane 1 the odd ones, lane 2
 * the extra uniforms of the rare draws that fall outside the fast region. */
export type NormalStreams = readonly [Sfc32, Sfc32, Sfc32];

// Scratch for the deferred draws; a module-level buffer avoids an allocation per tensor. JavaScript
// is single-threaded per isolate, and the buffer is not held across calls.
let deferredIndex = new Int32Array(1024);
let deferredDraw = new Int32Array(1024);

/**
 * Writes `out[i] = base[i] + std * z_i` for i < out.length, with z_i independent standard normals
 * from `streams` (which advance). `base` must not share memory with `out`: the redone draws read
 * `base` after the first pass has written `out`.
 *
 * This is the module's hot loop, shaped for the JIT (docs/benchmarks.md has the timings):
 * - the generators are inlined so their state stays in registers;
 * - two generators run side by side, because each SFC32 step depends on the one before and two
 *   independent chains let the CPU overlap them;
 * - every element is written as if its draw were accepted (no branch, no call in the loop), and the
 *   ~1.2% of draws that miss the fast region are only recorded, then redone after the loop by the
 *   exact slow path with lane 2 supplying its extra randomness. This keeps the distribution exact.
 */
export function addScaledNormals(
  out: Float32Array,
  base: Float32Array,
  std: number,
  streams: NormalStreams,
): void {
  const [even, odd, fix] = streams;
  if (out.buffer === base.buffer)
    throw new RangeError('addScaledNormals: out and base must not share a buffer');
  const n = out.length;
  if (deferredIndex.length < n) {
    deferredIndex = new Int32Array(n);
    deferredDraw = new Int32Array(n);
  }
  const index = deferredIndex;
  const draw = deferredDraw;
  const cellK = CELL_K;
  const cellW = CELL_W;
  let pending = 0;
  let a = even.a;
  let b = even.b;
  let c = even.c;
  let d = even.d;
  let e = odd.a;
  let f = odd.b;
  let g = odd.c;
  let h = odd.d;
  const pairs = n - (n & 1);
  for (let i = 0; i < pairs; i += 2) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    const u = (((e + f) | 0) + h) | 0;
    h = (h + 1) | 0;
    e = f ^ (f >>> 9);
    f = (g + (g << 3)) | 0;
    g = (g << 21) | (g >>> 11);
    g = (g + u) | 0;
    const tCell = t & 255;
    const tPosition = t >>> 8;
    const uCell = u & 255;
    const uPosition = u >>> 8;
    out[i] = (base[i] as number) + std * (tPosition * (cellW[tCell] as number));
    out[i + 1] = (base[i + 1] as number) + std * (uPosition * (cellW[uCell] as number));
    if (tPosition >= (cellK[tCell] as number)) {
      index[pending] = i;
      draw[pending] = t;
      pending += 1;
    }
    if (uPosition >= (cellK[uCell] as number)) {
      index[pending] = i + 1;
      draw[pending] = u;
      pending += 1;
    }
  }
  even.a = a;
  even.b = b;
  even.c = c;
  even.d = d;
  odd.a = e;
  odd.b = f;
  odd.c = g;
  odd.d = h;
  if (pairs < n) {
    index[pending] = pairs;
    draw[pending] = even.next();
    pending += 1;
  }
  for (let k = 0; k < pending; k++) {
    const i = index[k] as number;
    out[i] = (base[i] as number) + std * slowNormal(fix, draw[k] as number);
  }
}

/** `n` standard normals from `streams`, for tests and diagnostics. */
export function standardNormals(n: number, streams: NormalStreams): Float32Array {
  const out = new Float32Array(n);
  addScaledNormals(out, new Float32Array(n), 1, streams);
  return out;
}
