/**
 * Counter-based seeding of the noise streams.
 *
 * Each tensor at each optimizer step gets its own generator whose 128-bit state is a hash of the
 * key (seed, step, index). Nothing is carried from one step to the next, so the whole random state
 * of a run is the pair {seed, step}: restoring a checkpoint is setting two integers, and any step's
 * noise can be regenerated on its own. The generator is SFC32 (Chris Doty-Humphrey's Small Fast
 * Chaotic PRNG, 32-bit variant): four 32-bit words, a counter that guarantees a period of at least
 * 2^32, and only add/xor/shift/rotate, which V8 compiles to plain integer instructions.
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

/** SFC32. The state words are public so hot loops can keep them in locals (see `gaussian.ts`). */
export class Sfc32 {
  a: number;
  b: number;
  c: number;
  d: number;

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

  /** A uniform double in the open interval (0, 1), safe to pass to `Math.log`. */
  nextOpenUnit(): number {
    return ((this.next() >>> 0) + 0.5) / 0x1_0000_0000;
  }
}

/**
 * The generator for (seed, step, index, lane). All are safe integers (step, index, lane >= 0).
 * Distinct keys give independent-looking streams; the same key always gives the same stream.
 * Lanes from {@link NOISE_LANE} up are the gradient noise's: other users of a run's seed (weight
 * initialisation, data order) must use other lanes, or their numbers would repeat the noise.
 */
export function streamFor(seed: number, step: number, index: number, lane = 0): Sfc32 {
  const key = [...words(seed), ...words(step), index >>> 0, lane >>> 0];
  const rng = new Sfc32(hashLane(0, key), hashLane(1, key), hashLane(2, key), hashLane(3, key));
  // The author of SFC recommends discarding the first outputs so the hashed words mix fully.
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

/** The first of the three lanes reserved for the gradient noise (an arbitrary tag, "noi\0"). */
export const NOISE_LANE = 0x6e6f6900;

/**
 * The three generators (lanes NOISE_LANE + 0, 1, 2) that produce the noise of tensor `index` at
 * optimizer step `step` (see `addScaledNormals` for what each lane draws).
 */
export function noiseStreams(seed: number, step: number, index: number): [Sfc32, Sfc32, Sfc32] {
  return [0, 1, 2].map((k) => streamFor(seed, step, index, NOISE_LANE + k)) as [Sfc32, Sfc32, Sfc32];
}
