import { invalidArgument } from '../../core/index.js';
import type { BinaryTask } from '../../data/tasks/index.js';
import { type ConfigSchema, schemaDefaults, validateConfig } from '../schema/index.js';

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
  /**
   * Stop the run as solved at the first evaluation where the curriculum has reached
   * `maxTrainLength` and the sequence error at every one of `testLengths` is at most this (paper
   * Table 5 counts runs below 1 %, 2 %, 3 %, 5 %; 0 asks for a flawless held-out set). Unset:
   * train the whole budget.
   */
  readonly solvedSeqError?: number;
}

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

/**
 * Fields, ranges and defaults (the defaults are sized for a 2-core CPU; see {@link NeuralGpuConfig}
 * for each field's meaning and the public implementation's values).
 */
export const NEURAL_GPU_SCHEMA: ConfigSchema = {
  task: {
    kind: 'enum',
    choices: ['mul', 'add'],
    default: 'mul',
    protoEnumPrefix: 'NEURAL_GPU_TASK_',
    doc: 'mul: binary multiplication (paper §4.5); add: binary addition.',
  },
  maps: { kind: 'int', default: 24, min: 1, max: NEURAL_GPU_LIMITS.maps, doc: 'Channels of the state.' },
  layers: {
    kind: 'int',
    default: 2,
    min: 1,
    max: NEURAL_GPU_LIMITS.layers,
    doc: 'CGRU layers per step, parameters tied across steps.',
  },
  kernelWidth: {
    kind: 'int',
    default: 3,
    min: 1,
    max: NEURAL_GPU_LIMITS.kernel,
    odd: true,
    doc: 'Kernel extent along the sequence axis.',
  },
  kernelHeight: {
    kind: 'int',
    default: 3,
    min: 1,
    max: NEURAL_GPU_LIMITS.kernel,
    odd: true,
    doc: 'Kernel extent along the height axis.',
  },
  height: { kind: 'int', default: 4, min: 1, max: NEURAL_GPU_LIMITS.height, doc: 'Rows of the state.' },
  dropoutRate: {
    kind: 'float',
    default: 0.1,
    min: 0,
    max: 0.9,
    doc: 'Dropout on the CGRU candidate, training only; 0 turns it off.',
  },
  gateCutoff: {
    kind: 'float',
    default: 1.2,
    min: 1,
    max: 2,
    doc: 'Gate saturation c: gates are clip(c·σ(x) − (c − 1)/2, 0, 1); 1 is the plain sigmoid.',
  },
  batchSize: {
    kind: 'int',
    default: 32,
    min: 1,
    max: NEURAL_GPU_LIMITS.batchSize,
    doc: 'Examples per step.',
  },
  maxTrainLength: {
    kind: 'int',
    default: 20,
    min: 1,
    max: NEURAL_GPU_LIMITS.maxTrainLength,
    doc: 'Longest operand (digits) the curriculum reaches (paper §4.5: 20).',
  },
  curriculumStart: {
    kind: 'int',
    default: 3,
    min: 1,
    max: NEURAL_GPU_LIMITS.maxTrainLength,
    doc: 'Operand length the curriculum starts at; at most maxTrainLength.',
  },
  curriculumThreshold: {
    kind: 'float',
    default: 0.15,
    min: 0,
    max: 1,
    doc: 'Mean sequence error of the window at or below which the curriculum moves one digit longer.',
  },
  curriculumWindow: {
    kind: 'int',
    default: 10,
    min: 1,
    max: NEURAL_GPU_LIMITS.curriculumWindow,
    doc: 'Training batches one curriculum decision averages.',
  },
  testLengths: {
    kind: 'intList',
    default: [20, 40],
    min: 1,
    max: NEURAL_GPU_LIMITS.testLength,
    maxItems: NEURAL_GPU_LIMITS.testLengths,
    doc: 'Operand lengths evaluated, each reported as test_bit_error_len<L> and test_seq_error_len<L>.',
  },
  evalExamples: {
    kind: 'int',
    default: 128,
    min: 1,
    max: NEURAL_GPU_LIMITS.evalExamples,
    doc: 'Examples per evaluated length (a fixed held-out set per length).',
  },
  solvedSeqError: {
    kind: 'float',
    min: 0,
    max: 1,
    doc:
      'Solved (the run stops early) once the curriculum is at maxTrainLength and every test length ' +
      'has a sequence error at most this; unset: train the whole budget.',
  },
};

export const NEURAL_GPU_DEFAULTS = schemaDefaults(NEURAL_GPU_SCHEMA) as unknown as NeuralGpuConfig;

/**
 * The rules beyond the schema: `curriculumStart` at most `maxTrainLength`, and the unrolled
 * training states within memory; `testLengths` comes back sorted and deduplicated.
 */
export function refineNeuralGpuConfig(config: NeuralGpuConfig): NeuralGpuConfig {
  const { maxTrainLength, curriculumStart } = config;
  if (curriculumStart > maxTrainLength) {
    throw invalidArgument('curriculumStart', curriculumStart, `an integer in [1, ${maxTrainLength}]`);
  }
  const floats = trainingStateFloats(config, maxTrainLength);
  if (floats > NEURAL_GPU_LIMITS.trainingStateFloats) {
    throw invalidArgument(
      'maxTrainLength',
      maxTrainLength,
      `a length whose unrolled training states (batchSize·height·maps·(2L+1)·(2L+2) = ${floats} floats) ` +
        `fit in ${NEURAL_GPU_LIMITS.trainingStateFloats}; lower maxTrainLength, batchSize, height or maps`,
    );
  }
  return { ...config, testLengths: [...new Set(config.testLengths)].sort((a, b) => a - b) };
}

/**
 * Validates a config merged over the defaults (schema, then {@link refineNeuralGpuConfig}).
 * Throws `AppError('INVALID_ARGUMENT')` naming the first bad field.
 */
export function compileNeuralGpuConfig(config: NeuralGpuConfig): NeuralGpuConfig {
  return refineNeuralGpuConfig(validateConfig(NEURAL_GPU_SCHEMA, config) as unknown as NeuralGpuConfig);
}
