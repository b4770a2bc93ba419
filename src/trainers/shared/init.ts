import type { Sfc32 } from '../../core/index.js';

/**
 * Weight initialisation schemes of paper §4.1. Biases always start at zero.
 *
 * - `simple` ("Simple Init"): every weight from N(0, 0.1²). The paper says "a Gaussian with mean
 *   zero, and standard deviation of 0.1", so 0.1 is the standard deviation (variance 0.01).
 * - `zero` ("Bad Init"): every weight 0. Without noise, all units of a hidden layer receive the
 *   same gradient and stay identical forever (Table 1, Experiment 6).
 * - `he` ("Good Init 2", He et al. 2015): N(0, 2 / fanIn), the variance that keeps the second
 *   moment of ReLU activations constant across layers.
 * - `sussillo` ("Good Init 1", Sussillo & Abbott 2014, random walk initialisation):
 *   N(0, g² / fanIn) with g = √2 · exp(1.2 / (max(fanIn, 6) − 2.4)) for ReLU layers and
 *   g = exp(1 / (2 fanIn)) for the linear output layer. That g makes the log of the
 *   back-propagated gradient norm an unbiased random walk across layers; for the paper's width 50
 *   it is ≈ 1.4503 (vs He's √2 ≈ 1.414). The paper derives g for square layers of width N; we use
 *   the fan-in for N, as the scale 1/√N already is.
 */
export type InitScheme = 'simple' | 'zero' | 'he' | 'sussillo';

export const INIT_SCHEMES: readonly InitScheme[] = ['simple', 'zero', 'he', 'sussillo'];

/** Standard deviation of Simple Init (paper §4.1). */
export const SIMPLE_INIT_STD = 0.1;

/** The random-walk gain g of Sussillo & Abbott (2014) for a layer with `fanIn` inputs. */
export function sussilloGain(fanIn: number, relu: boolean): number {
  return relu ? Math.SQRT2 * Math.exp(1.2 / (Math.max(fanIn, 6) - 2.4)) : Math.exp(1 / (2 * fanIn));
}

/** Standard deviation of each kernel entry under `scheme`; 0 for `zero`. */
export function initStd(scheme: InitScheme, fanIn: number, relu: boolean): number {
  switch (scheme) {
    case 'simple':
      return SIMPLE_INIT_STD;
    case 'zero':
      return 0;
    case 'he':
      return Math.sqrt(2 / fanIn);
    case 'sussillo':
      return sussilloGain(fanIn, relu) / Math.sqrt(fanIn);
  }
}

/**
 * A `fanIn × fanOut` kernel (row-major) drawn under `scheme` from `rng`. `relu` says whether a ReLU
 * follows the layer (false for the output layer), which only `sussillo` distinguishes.
 */
export function initKernel(
  scheme: InitScheme,
  fanIn: number,
  fanOut: number,
  relu: boolean,
  rng: Sfc32,
): Float32Array {
  const kernel = new Float32Array(fanIn * fanOut);
  const std = initStd(scheme, fanIn, relu);
  return std === 0 ? kernel : rng.fillNormal(kernel, 0, std);
}
