export {
  compileNeuralGpuConfig,
  NEURAL_GPU_DEFAULTS,
  NEURAL_GPU_LIMITS,
  type NeuralGpuConfig,
} from './config.js';
export { type ConvActivation, convSame } from './conv.js';
export type { CurriculumState } from './curriculum.js';
export { NEURAL_GPU_EXAMPLES_PER_EPOCH, neuralGpuTrainer } from './definition.js';
export { countDigitErrors, type DigitErrors, errorRates } from './errors.js';
export { NeuralGpuModel, type NeuralGpuShape } from './model.js';
export { NeuralGpuSession, testMetricNames } from './session.js';
export {
  formatTable5,
  longTestErrorMetric,
  TABLE5_PAPER,
  TABLE5_THRESHOLDS,
  type Table5,
  type Table5Result,
  type Table5Row,
  table5Counts,
} from './table5.js';
