import { invalidArgument } from '../../core/index.js';
import { listKMaxNodes } from '../../data/tasks/index.js';
import { type ConfigSchema, schemaDefaults, validateConfig } from '../schema/index.js';
import type { ControllerKind } from './controller.js';

/**
 * Options of the NRAM trainer on ListK (paper §4.4; model of Kurach et al., 2016). Every field is
 * required after merging over {@link NRAM_DEFAULTS}. The defaults are sized so a run takes seconds
 * to a minute on one core; the paper ran a grid over the model's hyper-parameters (Kurach et al.)
 * with batch 50, an LSTM controller and Adam.
 */
export interface NramConfig {
  /** M: memory cells, and the range {0..M−1} of every value. Default 12 (4 list nodes). */
  readonly memorySize: number;
  /** R: registers. Default 4 (the paper's figure 3). */
  readonly registers: number;
  /** T: steps the machine runs; the last one stops it for sure. Default 10. */
  readonly timesteps: number;
  /** `lstm` (the paper's) or `feedforward`. Default `lstm`. */
  readonly controller: ControllerKind;
  /** Units of the controller's hidden layer or LSTM. Default 32. */
  readonly hiddenSize: number;
  /** Examples per optimizer step. Default 50 (paper §4.6: the value of the best results). */
  readonly batchSize: number;
  /** Longest list (nodes) of the curriculum and of the test set; at most ⌊(M − 3)/2⌋. Default 4. */
  readonly maxListLength: number;
  /** List length the curriculum starts at. Default 1. */
  readonly curriculumStart: number;
  /** Share of each batch at the frontier length; the rest is uniform below it. Default 0.5. */
  readonly frontierShare: number;
  /** The frontier moves one node longer when the window's error at the frontier is at most this. Default 0.05. */
  readonly curriculumThreshold: number;
  /** Training steps one curriculum decision covers. Default 10. */
  readonly curriculumWindow: number;
  /** Weight of the entropy bonus on the controller's choices at step 0; 0 turns it off. Default 0. */
  readonly entropyBonus: number;
  /** The bonus weight at step s is entropyBonus · entropyDecay^s. Default 0.999. */
  readonly entropyDecay: number;
  /** Initial bias of the stopping logit; below 0 the machine starts by running longer. Default 0. */
  readonly stopBias: number;
  /** Initial bias of each register's logit for keeping its value. Default 0. */
  readonly keepBias: number;
  /** Examples of the fixed test set (lists of maxListLength nodes). Default 200. */
  readonly evalExamples: number;
}

export const NRAM_LIMITS = {
  memorySize: 32,
  registers: 16,
  timesteps: 64,
  hiddenSize: 512,
  batchSize: 1024,
  evalExamples: 10_000,
  curriculumWindow: 1000,
  /**
   * `batchSize · timesteps · M²`: the tape of one training step holds a few dozen tensors of
   * `[batch, M, M]` or `[batch, M²]` per timestep, so this bounds it to a few GiB at most.
   */
  tapeCells: 2 ** 23,
} as const;

const int = (fallback: number, min: number, max: number, doc: string) =>
  ({ kind: 'int', default: fallback, min, max, doc }) as const;
const float = (fallback: number, min: number, max: number, doc: string) =>
  ({ kind: 'float', default: fallback, min, max, doc }) as const;

/** Fields, ranges and defaults (see {@link NramConfig}). */
export const NRAM_SCHEMA: ConfigSchema = {
  memorySize: int(
    12,
    5,
    NRAM_LIMITS.memorySize,
    'M: memory cells and value range; lists get ⌊(M−3)/2⌋ slots.',
  ),
  registers: int(4, 1, NRAM_LIMITS.registers, 'R: registers.'),
  timesteps: int(10, 1, NRAM_LIMITS.timesteps, 'T: steps the machine runs.'),
  controller: {
    kind: 'enum',
    choices: ['lstm', 'feedforward'],
    default: 'lstm',
    protoEnumPrefix: 'NRAM_CONTROLLER_',
    doc: 'lstm (the paper\u2019s controller) or feedforward.',
  },
  hiddenSize: int(32, 1, NRAM_LIMITS.hiddenSize, 'Units of the controller.'),
  batchSize: int(50, 1, NRAM_LIMITS.batchSize, 'Examples per step (paper §4.6: 50).'),
  maxListLength: int(
    4,
    1,
    listKMaxNodes(NRAM_LIMITS.memorySize),
    'Longest list, also the test set\u2019s; ≤ ⌊(M−3)/2⌋.',
  ),
  curriculumStart: int(1, 1, listKMaxNodes(NRAM_LIMITS.memorySize), 'List length the curriculum starts at.'),
  frontierShare: float(0.5, 0, 1, 'Share of a batch at the frontier length; the rest is below it.'),
  curriculumThreshold: float(0.05, 0, 1, 'Frontier error of a window at or below which the frontier grows.'),
  curriculumWindow: int(
    10,
    1,
    NRAM_LIMITS.curriculumWindow,
    'Training steps one curriculum decision covers.',
  ),
  entropyBonus: float(0, 0, 1, 'Entropy bonus weight at step 0 on the controller\u2019s choices; 0: off.'),
  entropyDecay: float(0.999, 0, 1, 'Bonus weight at step s: entropyBonus · entropyDecay^s.'),
  stopBias: float(0, -10, 10, 'Initial bias of the stopping logit; < 0: the machine starts running longer.'),
  keepBias: float(0, -10, 10, 'Initial bias of each register\u2019s logit for keeping its own value.'),
  evalExamples: int(200, 1, NRAM_LIMITS.evalExamples, 'Examples of the fixed test set at maxListLength.'),
};

export const NRAM_DEFAULTS = schemaDefaults(NRAM_SCHEMA) as unknown as NramConfig;

/** The rules beyond the schema: lists fit the memory, the curriculum starts within them, the tape fits. */
export function refineNramConfig(config: NramConfig): NramConfig {
  const { memorySize, maxListLength, curriculumStart, batchSize, timesteps } = config;
  const slots = listKMaxNodes(memorySize);
  if (maxListLength > slots) {
    throw invalidArgument(
      'maxListLength',
      maxListLength,
      `an integer in [1, ${slots}] (⌊(memorySize − 3)/2⌋)`,
    );
  }
  if (curriculumStart > maxListLength) {
    throw invalidArgument('curriculumStart', curriculumStart, `an integer in [1, ${maxListLength}]`);
  }
  const cells = batchSize * timesteps * memorySize * memorySize;
  if (cells > NRAM_LIMITS.tapeCells) {
    throw invalidArgument(
      'batchSize',
      batchSize,
      `a size with batchSize·timesteps·memorySize² (${cells}) at most ${NRAM_LIMITS.tapeCells}`,
    );
  }
  return config;
}

/** Validates a config merged over the defaults; throws INVALID_ARGUMENT naming the first bad field. */
export function compileNramConfig(config: NramConfig): NramConfig {
  return refineNramConfig(validateConfig(NRAM_SCHEMA, config) as unknown as NramConfig);
}
