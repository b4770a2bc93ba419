/**
 * Seeded random streams for trainers.
 *
 * Every random quantity of a session (initialisation, data order, dropout masks, synthetic data)
 * comes from a stream keyed by `(seed, stream, ...indices)`, e.g. `(seed, Stream.dropout, step,
 * layer)`. A key fully determines its stream, so the value at step `s` can be recomputed from
 * scratch after a resume without replaying steps `0..s-1`. Nothing here reads `Math.random`.
 *
 * Keys are hashed with the MurmurHash3 32-bit finaliser; the stream itself is Chris Doty-Humphrey's
 * SFC32 generator (128-bit state), which passes PractRand far beyond what a trainer draws.
 */

/** Stream identifiers, so two purposes never share random numbers for the same seed and step. */
export const Stream = {
  init: 1,
  dataOrder: 2,
  dropout: 3,
  syntheticData: 4,
  dataSplit: 5,
} as const;

function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Hashes a key of numbers into one 32-bit word. Each part may be any finite number: integers up
 * to 2^53 are folded exactly (low and high 32-bit halves), so seeds above 2^32 stay distinct.
 */
export function hashKey(parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(part / 0x1_0000_0000) >>> 0;
    h = fmix32(h ^ fmix32(lo + 0x7f4a7c15));
    h = fmix32(h ^ fmix32(hi + 0x2545f491));
  }
  return h;
}

/** A deterministic pseudo-random stream; create one with {@link rng}. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  /** The second Box–Muller output, kept for the next `normal()` call. */
  #spareNormal: number | undefined;

  constructor(key: readonly number[]) {
    const h = hashKey(key);
    this.#a = fmix32(h ^ 0x243f6a88);
    this.#b = fmix32(h ^ 0x85a308d3);
    this.#c = fmix32(h ^ 0x13198a2e);
    this.#d = 1;
    // SFC32's recommended warm-up: the first outputs of a fresh state are correlated with it.
    for (let i = 0; i < 12; i += 1) this.uint32();
  }

  /** A uniform integer in [0, 2^32). */
  uint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A uniform number in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** A uniform integer in [0, n), without modulo bias. `n` must be an integer in [1, 2^32]. */
  below(n: number): number {
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    let x = this.uint32();
    while (x >= limit) x = this.uint32();
    return x % n;
  }

  /** A standard normal sample (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#spareNormal !== undefined) {
      const spare = this.#spareNormal;
      this.#spareNormal = undefined;
      return spare;
    }
    // 1 - uniform() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.#spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Fills `out` with samples of N(mean, std²) and returns it. */
  fillNormal(out: Float32Array, mean: number, std: number): Float32Array {
    for (let i = 0; i < out.length; i += 1) out[i] = mean + std * this.normal();
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i += 1) out[i] = i;
    for (let i = n - 1; i > 0; i -= 1) {
      const j = this.below(i + 1);
      const tmp = out[i] as number;
      out[i] = out[j] as number;
      out[j] = tmp;
    }
    return out;
  }
}

/** The stream for a key, e.g. `rng([seed, Stream.init, layer])`. */
export function rng(key: readonly number[]): Rng {
  return new Rng(key);
}
