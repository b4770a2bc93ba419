import type { Schedule } from '../core/index.js';

/**
 * The noise schedule of paper §3, Eq. 1: at training step t (t = 0 for the first update)
 *
 *     σ_t² = η / (1 + t)^γ
 *
 * is the *variance* of the Gaussian added to the gradient; the standard deviation used to scale
 * unit normals is its square root. (Using σ_t² as the std is the common bug: for η = 0.01 it gives
 * noise ten times too small.) The paper uses γ = 0.55 and η ∈ {0.01, 1.0}.
 */

/** σ_t² = η / (1 + t)^γ (paper §3, Eq. 1). `t` is the 0-based noise step. */
export function noiseVariance(step: number, eta: number, gamma: number): number {
  return eta / (1 + step) ** gamma;
}

/** σ_t = sqrt(η / (1 + t)^γ), the standard deviation of the added noise. */
export function noiseStd(step: number, eta: number, gamma: number): number {
  return Math.sqrt(noiseVariance(step, eta, gamma));
}

/**
 * The noise step t for optimizer step `step` (0-based) when t advances once every `stepsPerTick`
 * optimizer steps, e.g. once per epoch: t = floor(step / stepsPerTick).
 */
export function noiseTick(step: number, stepsPerTick: number): number {
  return Math.floor(step / stepsPerTick);
}

/**
 * The std actually used at optimizer step `step`: Eq. 1 at t = noiseTick(step) for `annealed`,
 * and sqrt(η) at every step for `fixed` (paper §4.6, "annealed vs. fixed noise").
 */
export function scheduledNoiseStd(
  step: number,
  eta: number,
  gamma: number,
  schedule: Schedule,
  stepsPerTick: number,
): number {
  return schedule === 'fixed' ? Math.sqrt(eta) : noiseStd(noiseTick(step, stepsPerTick), eta, gamma);
}
