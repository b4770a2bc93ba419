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
  // Four partial sums: one running sum is bound by the latency of each addition.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (const values of updates) {
    if (values === null) continue;
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
  }
  return Math.sqrt(s0 + s1 + s2 + s3);
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
      const scaled = mapHost(updates, (values) => {
        const out = new Float32Array(values.length);
        for (let j = 0; j < values.length; j++) out[j] = (values[j] as number) * scale;
        return out;
      });
      return { updates: scaled, state: EMPTY_STATE };
    },
  };
}
