import { CURRENT_STREAM_VERSION, type NramKernels, runStreams } from '../../src/core/index.js';
import { ANY_DATA_DIR } from '../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer, type NoisyOptimizer } from '../../src/optim/index.js';
import type { TrainerSession } from '../../src/trainers/index.js';
import { type NramConfig, nramTrainer } from '../../src/trainers/nram/index.js';

/**
 * The NRAM arms both bench children build: the real `nram` session with its optimizer made as the
 * service's worker makes it (`src/runs/worker/loop.ts`): the trainer's default inner optimizer
 * (Adam), its default clipping (global norm) and γ, η as the arm says, gradients overwritten in
 * place, noise keyed by parameter name (stream version 2 and on).
 */

const SEED = 20161104;

/**
 * `default`: the trainer's defaults (M 12, R 4, T 10, LSTM 32, batch 50). `M8`: the tiny
 * instance (M = 8, two list nodes, k ∈ {0, 1}), everything else at the defaults. `table4`: the
 * tiny instance as docs/results.md's Table 4 runs it (T 5, the entropy bonus, the stopping and
 * keeping biases of its best setting).
 */
export const NRAM_BENCH_CONFIGS: Readonly<Record<string, NramConfig>> = {
  default: nramTrainer.compile({ ...nramTrainer.defaults }),
  M8: nramTrainer.compile({ ...nramTrainer.defaults, memorySize: 8, maxListLength: 2 }),
  table4: nramTrainer.compile({
    ...nramTrainer.defaults,
    memorySize: 8,
    maxListLength: 2,
    timesteps: 5,
    stopBias: -10,
    keepBias: 2,
    entropyBonus: 0.1,
    entropyDecay: 0.9995,
    evalExamples: 100,
  }),
};

/** The arms' noise: none (the clipping still runs), and the trainer's default η (0.01). */
export const NRAM_BENCH_ETAS: Readonly<Record<string, number>> = {
  plain: 0,
  noisy: nramTrainer.defaultNoise.eta,
};

/** `M 12, R 4, T 10, lstm 32, batch 50` */
export function describeNramConfig(c: NramConfig): string {
  return `M ${c.memorySize}, R ${c.registers}, T ${c.timesteps}, ${c.controller} ${c.hiddenSize}, batch ${c.batchSize}`;
}

export interface NramArm {
  readonly session: TrainerSession;
  readonly optimizer: NoisyOptimizer;
  step: number;
}

/** An arm on `backend`; with `nramKernels` (the `native` backend's) it steps through the addon. */
export async function createNramArm(
  config: NramConfig,
  eta: number,
  backend: string,
  nramKernels?: NramKernels,
): Promise<NramArm> {
  const optimizer = createNoisyOptimizer(
    createInnerOptimizer(nramTrainer.defaultOptimizer ?? { kind: 'sgd', learningRate: 0.01 }),
    {
      eta,
      gamma: nramTrainer.defaultNoise.gamma,
      seed: SEED,
      clip: nramTrainer.defaultClip ?? {},
      overwriteGradients: true,
    },
  );
  const session = await nramTrainer.create(config, {
    streams: runStreams(SEED, CURRENT_STREAM_VERSION),
    optimizer,
    backend,
    dataRoots: ANY_DATA_DIR,
    ...(nramKernels === undefined ? {} : { nramKernels }),
  });
  // The current stream version keys the noise by checkpoint name, as the worker sets it up.
  optimizer.keyNoiseByName(session.parameterNames());
  return { session, optimizer, step: 0 };
}

export function disposeNramArm(arm: NramArm): void {
  arm.session.dispose();
  arm.optimizer.dispose();
}
