/**
 * The one pseudo-random generator of the service and its key hash.
 *
 * The generator is SFC32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG, 32-bit variant): four
 * 32-bit words, a counter that guarantees a period of at least 2^32, and only add/xor/shift/rotate,
 * which V8 compiles to plain integer instructions. Every stream is keyed: its state is a hash of a
 * key of 32-bit words, so any stream can be recomputed on its own (after a resume, for one step)
 * without replaying the others. Nothing here reads `Math.random`.
 */

/** A 32-bit finaliser with full avalanche: each input bit flips each output bit with p ≈ 1/2. */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Splits a safe integer into its low and high 32-bit words (two's complement for negatives). */
export function words(n: number): [number, number] {
  return [n >>> 0, Math.floor(n / 0x1_0000_0000) | 0];
}

/** One 32-bit lane of the key hash; lanes differ only in their starting value. */
function hashLane(lane: number, key: readonly number[]): number {
  let h = mix32(Math.imul(lane + 1, 0x9e3779b9));
  for (const w of key) h = mix32((h ^ w) + 0x632be5ab);
  return h;
}

/**
 * SFC32. The state words are public so hot loops can keep them in locals or copy them into a
 * WebAssembly kernel (the ziggurat of `optim/gaussian.ts`).
 */
export class Sfc32 {
  a: number;
  b: number;
  c: number;
  d: number;
  /** The second Box–Muller output, kept for the next `normal()` call. */
  #spareNormal: number | undefined;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
  }

  /** The next output as a signed 32-bit integer; `>>> 0` gives the unsigned value. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t;
  }

  /** A uniform integer in [0, 2^32). */
  uint32(): number {
    return this.next() >>> 0;
  }

  /** A uniform number in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return (this.next() >>> 0) / 0x1_0000_0000;
  }

  /** A uniform double in the open interval (0, 1), safe to pass to `Math.log`. */
  nextOpenUnit(): number {
    return ((this.next() >>> 0) + 0.5) / 0x1_0000_0000;
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

/**
 * The generator of a key of 32-bit words: its four state words are four lanes of the key hash,
 * then 12 outputs are discarded (the warm-up the author of SFC recommends, so the hashed words mix
 * fully). Distinct keys give independent-looking streams; the same key always the same stream.
 * This is the key hash of the noise streams and of every stream of version 2 (`random.ts`).
 */
export function keyedStream(key: readonly number[]): Sfc32 {
  const rng = new Sfc32(hashLane(0, key), hashLane(1, key), hashLane(2, key), hashLane(3, key));
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}
