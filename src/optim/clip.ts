import { checkNumber } from './option-error.js';
import {
  EMPTY_STATE,
  type EmptyState,
  type GradientTransformation,
  type HostTensors,
  mapHost,
} from './transform.js';

/**
 * The L2 norm of all arrays taken together, sqrt(Σ_i Σ_j g_ij²), summed in double precision.
 * It is non-finite exactly when some element is NaN or ±∞ (float32 squares cannot overflow a double).
 */
export function globalNorm(updates: HostTensors): number {
  // Four partial sums: one running sum is bound by the latency of each addition. They run on
  // across the arrays, in this order, so the result is the same to the last bit whatever the split.
  const sums = PARTIAL_SUMS;
  sums.fill(0);
  for (const values of updates) {
    if (values !== null) addSquares(values, sums);
  }
  return Math.sqrt((sums[0] as number) + (sums[1] as number) + (sums[2] as number) + (sums[3] as number));
}

const PARTIAL_SUMS = new Float64Array(4);

/**
 * Adds the squares of `values` to the four partial sums. A function of its own, so the JIT
 * compiles the hot loop for float32 arrays alone: inlined into `globalNorm` in the training
 * thread it kept boxing every element, garbage on every step of the paper's MLP
 * (`npm run bench:alloc`; docs/benchmarks.md, "Figures behind the code").
 */
function addSquares(values: Float32Array, sums: Float64Array): void {
  let s0 = sums[0] as number;
  let s1 = sums[1] as number;
  let s2 = sums[2] as number;
  let s3 = sums[3] as number;
  const n = values.length;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    const a = values[j] as number;
    const b = values[j + 1] as number;
    const c = values[j + 2] as number;
    const d = values[j + 3] as number;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; j < n; j++) {
    const a = values[j] as number;
    s0 += a * a;
  }
  sums[0] = s0;
  sums[1] = s1;
  sums[2] = s2;
  sums[3] = s3;
}

/** Clamps every element to [-limit, limit] (NaN stays NaN). `limit` is a finite number > 0. */
export function clipByValue(limit: number): GradientTransformation<EmptyState> {
  const max = checkNumber('clip.byValue', limit, 0, true);
  return {
    init: () => EMPTY_STATE,
    update(updates) {
      const clipped = mapHost(updates, (values) => {
        const out = new Float32Array(values.length);
        for (let j = 0; j < values.length; j++) {
          out[j] = Math.min(Math.max(values[j] as number, -max), max);
        }
        return out;
      });
      return { updates: clipped, state: EMPTY_STATE };
    },
  };
}

/** The L2 norm of one array, sqrt(Σ_j g_j²), summed as {@link globalNorm} sums. */
export function tensorNorm(values: Float32Array): number {
  const sums = PARTIAL_SUMS;
  sums.fill(0);
  addSquares(values, sums);
  return Math.sqrt((sums[0] as number) + (sums[1] as number) + (sums[2] as number) + (sums[3] as number));
}

/** `values` times `scale`, into a new array. */
function scaled(values: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let j = 0; j < values.length; j++) out[j] = (values[j] as number) * scale;
  return out;
}

/**
 * Rescales each array on its own by maxNorm / ‖g_i‖ when its L2 norm ‖g_i‖ ({@link tensorNorm})
 * exceeds `maxNorm`, so every tensor keeps its direction and has norm at most `maxNorm`: the
 * clipping of End-to-End Memory Networks (Sukhbaatar et al. 2015, §4.2: each weight matrix's
 * gradient to norm 40), which the paper's §4.3 trains with noise. Unlike {@link clipByGlobalNorm},
 * one exploding tensor does not shrink the others. An array with a non-finite norm passes through
 * unchanged (the noisy optimizer skips such steps anyway).
 */
export function clipByTensorNorm(maxNorm: number): GradientTransformation<EmptyState> {
  const max = checkNumber('clip.byTensorNorm', maxNorm, 0, true);
  return {
    init: () => EMPTY_STATE,
    update(updates) {
      let changed = false;
      const clipped = mapHost(updates, (values) => {
        const norm = tensorNorm(values);
        if (!(norm > max) || !Number.isFinite(norm)) return values;
        changed = true;
        return scaled(values, max / norm);
      });
      return { updates: changed ? clipped : updates, state: EMPTY_STATE };
    },
  };
}

/**
 * Rescales all arrays by the same factor maxNorm / ‖g‖ when their {@link globalNorm} ‖g‖ exceeds
 * `maxNorm`, so the direction is kept and the norm becomes `maxNorm` (Pascanu et al. 2013, the
 * clipping the paper's §4.5 applies before the noise). Updates with a non-finite norm pass through
 * unchanged: there is no meaningful direction to keep, and the noisy optimizer skips such steps.
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  const max = checkNumber('clip.byGlobalNorm', maxNorm, 0, true);
  return {
    init: () => EMPTY_STATE,
    update(updates) {
      const norm = globalNorm(updates);
      if (!(norm > max) || !Number.isFinite(norm)) return { updates, state: EMPTY_STATE };
      const scale = max / norm;
      return { updates: mapHost(updates, (values) => scaled(values, scale)), state: EMPTY_STATE };
    },
  };
}
