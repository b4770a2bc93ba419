/**
 * The vocabulary of optimizer settings that a stored run spec names (paper §3 and §4): the kinds of
 * inner optimizer, the noise schedule, target and generator. Types and constant lists only; the
 * validation and the tfjs code live in `src/optim`.
 */

/** `annealed` follows paper §3, Eq. 1 (σ_t² = η / (1 + t)^γ); `fixed` keeps σ² = η (the §4.1 ablation). */
export type Schedule = 'annealed' | 'fixed';

/** The inner (wrapped) optimizers of paper §4: plain SGD, momentum and the adaptive family. */
export type OptimizerKind = 'sgd' | 'momentum' | 'adam' | 'adagrad' | 'rmsprop' | 'adadelta' | 'adamax';

export const OPTIMIZER_KINDS: readonly OptimizerKind[] = [
  'sgd',
  'momentum',
  'adam',
  'adagrad',
  'rmsprop',
  'adadelta',
  'adamax',
];

/**
 * Options of the inner optimizer. Each field applies to the kinds named beside it; setting a field
 * that the kind does not use is an error (it would silently do nothing). After
 * `compileInnerOptimizerOptions` (src/optim) every field the kind uses is filled.
 */
export interface InnerOptimizerOptions {
  readonly kind: OptimizerKind;
  /** Step size, > 0. Required for every kind. */
  readonly learningRate: number;
  /** momentum: coefficient of the velocity (default 0.9); rmsprop: momentum (default 0). In [0, 1). */
  readonly momentum?: number;
  /** momentum only: Nesterov's variant. Default false. */
  readonly useNesterov?: boolean;
  /** adam, adamax: first-moment decay. Default 0.9. In [0, 1). */
  readonly beta1?: number;
  /** adam, adamax: second-moment (adamax: infinity-norm) decay. Default 0.999. In [0, 1). */
  readonly beta2?: number;
  /** adam, adamax, rmsprop, adadelta: added to denominators. Default 1e-7 (tfjs float32 epsilon). */
  readonly epsilon?: number;
  /** adadelta: decay of the running averages. Default 0.95. In [0, 1). */
  readonly rho?: number;
  /** rmsprop: decay of the mean square (default 0.9, in [0, 1)); adamax: learning-rate decay (default 0, >= 0). */
  readonly decay?: number;
  /**
   * rmsprop: divide by the centred second moment. Default false; `true` is rejected because tfjs
   * 4.22 computes sqrt(ms − (mg² + ε)) there, which is NaN for any element whose gradient is 0 in
   * the first step (a dead ReLU unit), so the weights turn NaN.
   */
  readonly centered?: boolean;
  /** adagrad: starting value of the accumulators. Default 0.1, >= 0. */
  readonly initialAccumulatorValue?: number;
}

/** Where the noise goes: into the gradient (paper §3) or onto the weights after the update (§4.6 ablation). */
export type NoiseTarget = 'gradient' | 'weight';

/**
 * The stream of standard normals the noise is drawn from. All are pure functions of (seed, step,
 * tensor index) and the same on every machine; a run keeps the generator it started with.
 * - `box-muller` (the default): Box-Muller in float32, four lanes in WebAssembly SIMD
 *   (box-muller.ts); |z| < 6.8.
 * - `ziggurat`: the exact ziggurat of Marsaglia and Tsang in float64 (gaussian.ts), slower per
 *   normal (docs/benchmarks.md, "Figures behind the code"); the generator of every run stored
 *   before the option existed (migration 20261201000000 marks them), kept so they reproduce.
 * - `philox`: the counter-based Philox4x32-10 (Salmon et al. 2011; cuRAND's, PyTorch's CUDA and
 *   TensorFlow's stateless generator) with Box-Muller in float32 (philox.ts): each element's
 *   normal is a function of (seed, step, tensor, element index) alone, so another device can draw
 *   the same words; |z| < 5.8.
 */
export type NoiseGenerator = 'box-muller' | 'ziggurat' | 'philox';

export const SCHEDULES: readonly Schedule[] = ['annealed', 'fixed'];
export const NOISE_GENERATORS: readonly NoiseGenerator[] = ['box-muller', 'ziggurat', 'philox'];
export const DEFAULT_NOISE_GENERATOR: NoiseGenerator = 'box-muller';
export const NOISE_TARGETS: readonly NoiseTarget[] = ['gradient', 'weight'];

/**
 * The gradient noise of a run, every field filled (paper §3, Eq. 1): what a stored spec holds and
 * what the optimizer module compiles settings into. `eta` 0 disables it (the no-noise arm).
 */
export interface NoiseSpec {
  /** η: the variance at t = 0. */
  readonly eta: number;
  /** γ: the decay exponent (0.55 in every experiment of the paper). */
  readonly gamma: number;
  readonly schedule: Schedule;
  readonly target: NoiseTarget;
  /** Optimizer steps per noise step t. */
  readonly stepsPerTick: number;
  /**
   * The stream of normals. Specs stored before it existed are `ziggurat` (migration
   * 20261201000000_noise_generator), the generator they ran with.
   */
  readonly generator: NoiseGenerator;
}

/**
 * Gradient clipping before the noise, as a stored spec holds it; an absent key means no clipping of
 * that kind. Applied by value, then per tensor, then globally (`optim/options.ts` says why).
 */
export interface ClipSpec {
  /** Clamp every element to [-byValue, byValue]. */
  readonly byValue?: number;
  /** Rescale each gradient tensor on its own to L2 norm at most this (End-to-End Memory Networks). */
  readonly byTensorNorm?: number;
  /** Rescale all gradients together to global L2 norm at most this (paper §4.5). */
  readonly byGlobalNorm?: number;
}
