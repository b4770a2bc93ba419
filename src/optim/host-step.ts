import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm, clipByTensorNorm, clipByValue, globalNorm } from './clip.js';
import { applyHostGradients, donatable, type GradientEntry, variableNamed } from './gradients.js';
import { type AxpyKernel, applySgdInPlace } from './host-sgd.js';
import { addGradientNoise, type NoiseState } from './noise.js';
import type { StepStats } from './optimizer-state.js';
import type { CompiledNoiseOptions } from './options.js';
import type { NamedTensor } from './slots.js';
import { readStorage } from './storage.js';
import { chain, type EmptyState, type GradientTransformation, type HostTensors } from './transform.js';

/**
 * The noisy optimizer's transformations and its step on a backend that reads tensors synchronously
 * (`cpu`, `wasm`, `tensorflow`): steps 1 to 6 of the pipeline in `NoisyOptimizer`'s docstring
 * (annealed Gaussian gradient noise, paper §3), on host arrays. The optimizer keeps the chain's
 * state; these functions take it and return the next one.
 */

/** The chain's state: the clip transformations' (empty) states, then the noise's {step, seed}. */
export type ChainState = readonly [clip: readonly EmptyState[], noise: NoiseState];

/** The transformations of the pipeline, built once from the optimizer's options. */
export interface NoisePipeline {
  readonly options: CompiledNoiseOptions;
  /** The word of the tensor at each position in its noise key (the noise transformation's). */
  readonly tensorKey: (index: number) => number;
  /** Steps 2 and 3. */
  readonly clip: GradientTransformation<readonly EmptyState[]>;
  /** Step 4 (or 6). */
  readonly noise: GradientTransformation<NoiseState>;
  /** Steps 2 to 4: `chain(clip, noise)`. */
  readonly transform: GradientTransformation<ChainState>;
}

/**
 * `chain(clipByValue, clipByTensorNorm, clipByGlobalNorm, addGradientNoise)`, each clip present
 * only when its bound is set; the noise of the tensor at position i is keyed by `tensorKey(i)`.
 */
export function buildNoisePipeline(
  options: CompiledNoiseOptions,
  tensorKey: (index: number) => number,
): NoisePipeline {
  const { clip } = options;
  const clipChain = chain(
    ...(clip.byValue === undefined ? [] : [clipByValue(clip.byValue)]),
    ...(clip.byTensorNorm === undefined ? [] : [clipByTensorNorm(clip.byTensorNorm)]),
    ...(clip.byGlobalNorm === undefined ? [] : [clipByGlobalNorm(clip.byGlobalNorm)]),
  );
  const noise = addGradientNoise({ ...options, tensorKey });
  return { options, tensorKey, clip: clipChain, noise, transform: chain(clipChain, noise) };
}

/** One host step's input: the gradients as given to `applyGradients` and as entries. */
export interface HostStepInput {
  readonly pipeline: NoisePipeline;
  readonly inner: tf.Optimizer;
  readonly gradients: tf.NamedTensorMap | NamedTensor[];
  readonly entries: readonly GradientEntry[];
  readonly state: ChainState;
  /** σ_t of this step's noise. */
  readonly std: number;
  /** When set and `inner` is plain SGD, step 5 runs in place with this kernel (`host-sgd.ts`). */
  readonly hostSgd?: AxpyKernel | undefined;
}

/** What a host step did: the chain's next state (the same when the step was skipped), and its stats. */
export interface HostStepResult {
  readonly state: ChainState;
  readonly stats: StepStats;
}

/**
 * Steps 1 to 6 on the host: skips a non-finite gradient (nothing applied, state unchanged; the
 * caller counts the skip), else
 * clips, adds the noise to the gradient (or, with `target: 'weight'`, to the weights after the
 * update) and applies the result with `inner.applyGradients`.
 */
export function stepOnHost(input: HostStepInput): HostStepResult {
  const { pipeline, inner, gradients, entries, state, std, hostSgd } = input;
  // Read in place where the backend allows (no copy). Only a donated array is written (the
  // noise, after the clipping's last read; see `donatable`).
  const raw: HostTensors = entries.map((e) => (e.tensor === null ? null : readStorage(e.tensor)));
  const gradGlobalNorm = globalNorm(raw);
  if (!Number.isFinite(gradGlobalNorm)) {
    return { state, stats: { gradGlobalNorm, noiseStd: 0, skipped: true, deferred: false } };
  }
  const stats: StepStats = { gradGlobalNorm, noiseStd: std, skipped: false, deferred: false };
  const { overwriteGradients, target } = pipeline.options;
  const applyInner = (updates: HostTensors): void => {
    if (hostSgd !== undefined && applySgdInPlace(inner, entries, updates, hostSgd)) return;
    applyHostGradients(inner, gradients, entries, raw, updates, overwriteGradients);
  };
  if (target === 'gradient') {
    // Checking which gradients may be written costs a pass over them: only worth it for noise.
    const donated = overwriteGradients && std > 0 ? donatable(entries, raw) : undefined;
    const result = pipeline.transform.update(raw, state, undefined, donated);
    applyInner(result.updates);
    return { state: result.state, stats };
  }
  const [clipState, noiseState] = state;
  const clipped = pipeline.clip.update(raw, clipState);
  applyInner(clipped.updates);
  return { state: [clipped.state, addWeightNoise(pipeline.noise, entries, noiseState, std)], stats };
}

/**
 * Step 6 (paper §4.6 ablation): w ← w + N(0, σ_t²) for every variable that had a gradient, keyed
 * like step 4, by the noise transformation with `state`. Returns its next state.
 */
function addWeightNoise(
  noise: GradientTransformation<NoiseState>,
  entries: readonly GradientEntry[],
  state: NoiseState,
  std: number,
): NoiseState {
  // With σ_t = 0 there is nothing to read (a copy on some backends), only the step to count.
  const variables = std === 0 ? [] : entries.map((e) => (e.tensor === null ? null : variableNamed(e.name)));
  const weights = variables.map((v) => (v === null ? null : readStorage(v)));
  const noised = noise.update(weights, state);
  tf.tidy(() => {
    variables.forEach((v, i) => {
      const values = noised.updates[i];
      if (v !== null && values) v.assign(tf.tensor(values, v.shape, 'float32'));
    });
  });
  return noised.state;
}
