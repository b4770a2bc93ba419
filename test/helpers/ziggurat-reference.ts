import type { Sfc32 } from '../../src/core/index.js';
import { CELL_K, CELL_W, F, K, R, W } from '../../src/optim/gaussian.js';
import type { NormalStreams } from '../../src/optim/index.js';

/**
 * The exact ziggurat for the draw `first` in plain JavaScript (the slow path the kernel runs in
 * WebAssembly): accepted at once in the fast region, else the tail, a wedge test, or a fresh draw,
 * with further randomness from `rng`.
 */
function slowNormal(rng: Sfc32, first: number): number {
  let u = first;
  for (;;) {
    const layer = u & 127;
    const position = u >>> 8;
    const negative = (u & 128) !== 0;
    if (position < (K[layer] as number)) {
      const x = position * (W[layer] as number);
      return negative ? -x : x;
    }
    if (layer === 0) {
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
    if (lower + rng.nextOpenUnit() * (top - lower) < Math.exp(-0.5 * x * x)) return negative ? -x : x;
    u = rng.next();
  }
}

/**
 * The generator in plain JavaScript, as `src/optim/gaussian.ts` ran it before the WebAssembly
 * kernel (`ziggurat.wat`): the tests' oracle for the kernel (the two must agree bit for bit) and
 * the benchmark's baseline for it (`bench/optim.ts`). Same contract as `addScaledNormals`, except
 * that `out` must not be `base`.
 */
export function addScaledNormalsJs(
  out: Float32Array,
  base: Float32Array,
  std: number,
  [even, odd, fix]: NormalStreams,
): void {
  const n = out.length;
  const index: number[] = [];
  const draw: number[] = [];
  // The lanes' state in locals and the two chains interleaved: the shape the JIT compiles best.
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
    out[i] = (base[i] as number) + std * (tPosition * (CELL_W[tCell] as number));
    out[i + 1] = (base[i + 1] as number) + std * (uPosition * (CELL_W[uCell] as number));
    if (tPosition >= (CELL_K[tCell] as number)) {
      index.push(i);
      draw.push(t);
    }
    if (uPosition >= (CELL_K[uCell] as number)) {
      index.push(i + 1);
      draw.push(u);
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
    index.push(pairs);
    draw.push(even.next());
  }
  for (const [k, i] of index.entries()) {
    out[i] = (base[i] as number) + std * slowNormal(fix, draw[k] as number);
  }
}
