import { invalidArgument } from '../../core/index.js';
import type { BinaryTask } from '../../data/tasks/index.js';

/**
 * Options of the Neural GPU trainer (paper §4.5; model of Kaiser & Sutskever, 2016). Every field
 * is required after merging over {@link NEURAL_GPU_DEFAULTS}; the defaults are sized for a 2-core
 * CPU, and the public implementation's values are given where they differ.
 */
export interface NeuralGpuConfig {
  /** `mul` (binary multiplication, the paper's task) or `add`. Default `mul`. */
  readonly task: BinaryTask;
  /** Channels of the state ("maps"). Default 24; the public implementation uses 128. */
  readonly maps: number;
  /** CGRU layers applied at each step, with parameters tied across steps. Default 2. */
  readonly layers: number;
  /** Kernel extent along the sequence (width) axis; odd. Default 3. */
  readonly kernelWidth: number;
  /** Kernel extent along the height axis; odd. Default 3. */
  readonly kernelHeight: number;
  /** Rows of the state; the input is embedded in row 0 and the output read from it. Default 4. */
  readonly height: number;
  /**
   * Dropout rate on the CGRU candidate `tanh(U''*(r ⊙ s) + B'')`, training only; one mask per layer
   * per optimizer step, reused at every unrolled step. Default 0.1; 0 turns it off.
   */
  readonly dropoutRate: number;
  /**
   * Gate saturation: gates are `clip(c·σ(x) − (c − 1)/2, 0, 1)`, so they reach exactly 0 and 1.
   * 1 gives the plain sigmoid. Default 1.2, as in the public implementation.
   */
  readonly gateCutoff: number;
  /** Examples per optimizer step. Default 32 (public implementation: 32). */
  readonly batchSize: number;
  /** Longest operand (digits) the curriculum reaches in training. Default 20 (paper §4.5). */
  readonly maxTrainLength: number;
  /** Operand length the curriculum starts at. Default 3. */
  readonly curriculumStart: number;
  /**
   * The curriculum moves one digit longer when the mean sequence error of the last
   * `curriculumWindow` training batches at the current length is at most this. Default 0.15
   * (the public implementation's bound); 0 waits for flawless windows, 1 advances every window.
   */
  readonly curriculumThreshold: number;
  /** Training batches at the current length that one curriculum decision averages. Default 10. */
  readonly curriculumWindow: number;
  /**
   * Operand lengths evaluated by `evaluate`, each reported as `test_bit_error_len<L>` and
   * `test_seq_error_len<L>`. Default [20, 40]; the paper tests at 200.
   */
  readonly testLengths: readonly number[];
  /** Examples per evaluated length (a fixed held-out set per length). Default 128. */
  readonly evalExamples: number;
}

export const NEURAL_GPU_DEFAULTS: NeuralGpuConfig = {
  task: 'mul',
  maps: 24,
  layers: 2,
  kernelWidth: 3,
  kernelHeight: 3,
  height: 4,
  dropoutRate: 0.1,
  gateCutoff: 1.2,
  batchSize: 32,
  maxTrainLength: 20,
  curriculumStart: 3,
  curriculumThreshold: 0.15,
  curriculumWindow: 10,
  testLengths: [20, 40],
  evalExamples: 128,
};

/** Limits that keep one step within a worker's memory; see docs for the cost model. */
export const NEURAL_GPU_LIMITS = {
  maps: 512,
  layers: 8,
  kernel: 9,
  height: 32,
  batchSize: 1024,
  maxTrainLength: 200,
  testLength: 400,
  testLengths: 8,
  evalExamples: 10_000,
  curriculumWindow: 1000,
  /**
   * Floats held by the unrolled states of one training step at the longest training length,
   * `batchSize · height · maps · (2L + 1) · (2L + 2)` (see `bptt.ts`): 2^28 floats = 1 GiB, a
   * quarter of wasm's 4 GiB heap. The default config needs 5.3 M.
   */
  trainingStateFloats: 2 ** 28,
} as const;

/** Floats of the checkpointed states of one training step at operand length `length`. */
export function trainingStateFloats(config: NeuralGpuConfig, length: number): number {
  const width = 2 * length + 1;
  return config.batchSize * config.height * config.maps * width * (width + 1);
}

function integerIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(field, value, `an integer in [${min}, ${max}]`);
  }
  return value;
}

function oddIn(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max || value % 2 === 0) {
    throw invalidArgument(field, value, `an odd integer in [1, ${max}]`);
  }
  return value;
}

function numberIn(field: string, value: unknown, allowed: string, ok: (x: number) => boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw invalidArgument(field, value, allowed);
  }
  return value;
}

/**
 * Validates a config merged over the defaults and returns it with `testLengths` sorted and
 * deduplicated. Throws `AppError('INVALID_ARGUMENT')` naming the first bad field.
 */
export function compileNeuralGpuConfig(config: NeuralGpuConfig): NeuralGpuConfig {
  const limits = NEURAL_GPU_LIMITS;
  if (config.task !== 'add' && config.task !== 'mul') {
    throw invalidArgument('task', config.task, '"add" or "mul"');
  }
  const maxTrainLength = integerIn('maxTrainLength', config.maxTrainLength, 1, limits.maxTrainLength);
  if (!Array.isArray(config.testLengths) || config.testLengths.length > limits.testLengths) {
    throw invalidArgument(
      'testLengths',
      config.testLengths,
      `a list of at most ${limits.testLengths} lengths`,
    );
  }
  const testLengths = config.testLengths.map((length: unknown, i) =>
    integerIn(`testLengths[${i}]`, length, 1, limits.testLength),
  );
  const compiled: NeuralGpuConfig = {
    task: config.task,
    maps: integerIn('maps', config.maps, 1, limits.maps),
    layers: integerIn('layers', config.layers, 1, limits.layers),
    kernelWidth: oddIn('kernelWidth', config.kernelWidth, limits.kernel),
    kernelHeight: oddIn('kernelHeight', config.kernelHeight, limits.kernel),
    height: integerIn('height', config.height, 1, limits.height),
    dropoutRate: numberIn(
      'dropoutRate',
      config.dropoutRate,
      'a number in [0, 0.9]',
      (x) => x >= 0 && x <= 0.9,
    ),
    gateCutoff: numberIn('gateCutoff', config.gateCutoff, 'a number in [1, 2]', (x) => x >= 1 && x <= 2),
    batchSize: integerIn('batchSize', config.batchSize, 1, limits.batchSize),
    maxTrainLength,
    curriculumStart: integerIn('curriculumStart', config.curriculumStart, 1, maxTrainLength),
    curriculumThreshold: numberIn(
      'curriculumThreshold',
      config.curriculumThreshold,
      'a number in [0, 1]',
      (x) => x >= 0 && x <= 1,
    ),
    curriculumWindow: integerIn('curriculumWindow', config.curriculumWindow, 1, limits.curriculumWindow),
    testLengths: [...new Set(testLengths)].sort((a, b) => a - b),
    evalExamples: integerIn('evalExamples', config.evalExamples, 1, limits.evalExamples),
  };
  const floats = trainingStateFloats(compiled, maxTrainLength);
  if (floats > limits.trainingStateFloats) {
    throw invalidArgument(
      'maxTrainLength',
      maxTrainLength,
      `a length whose unrolled training states (batchSize·height·maps·(2L+1)·(2L+2) = ${floats} floats) ` +
        `fit in ${limits.trainingStateFloats}; lower maxTrainLength, batchSize, height or maps`,
    );
  }
  return compiled;
}
