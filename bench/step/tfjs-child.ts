/**
 * One tfjs backend's arms of the step benchmark, as a long-lived child process (see
 * `bench/lib/line-child.ts`). Each arm is the real `mlp` trainer session (paper §4.1: 20 × 50 ReLU,
 * 784 → 10, batch 100, MNIST) with the real NoisyOptimizer around SGD (learning rate 0.01), and a
 * step is what the worker loop does per step: `trainStep`, settling the optimizer's step (on
 * `webgpu` that reads back the gradient norm), then reading its metrics (`readMetrics`, which
 * downloads the loss).
 *
 *   arms: `plain` (η = 0), `noisy` (η = 0.01, γ = 0.55, the default `box-muller` noise generator),
 *   `noisy-ziggurat` (`noisy` with the `ziggurat` generator), `noisy-copy` (`noisy` without
 *   `overwriteGradients`: new gradient tensors uploaded every step), and `noisy` with the other dense-layer
 *   gradient path than the backend's default (`src/trainers/shared/dense-layer.ts`): on wasm
 *   `noisy-tfjs-grad` (the path before the change), elsewhere `noisy-transposed-grad` (the path
 *   the change chose not to use there).
 *
 * On `webgpu` only `plain`, `noisy` and `noisy-philox` (the `philox` generator, whose noise is drawn
 * on the device: issue 20's noise-overhead goal) run: the write-back arms do not apply there (the
 * optimizer's device path never writes gradients on the host), and on a software adapter (lavapipe)
 * a step takes long enough that more arms would only make the correctness run slower.
 *
 * Protocol: prints `{"ready":true,"backend":…,"device":…,"software":…}`; then for each `{"cmd":"run","arm":a,"steps":n}`
 * runs n steps of arm a and prints `{"arm","steps","wallMs","cpuMs","loss"}`; `{"cmd":"quit"}` ends.
 *
 * On `native` the arms are the mlp session's native step (`src/trainers/mlp/native-session.ts`):
 * the dense stack's forward and backward in the OpenBLAS addon, the noisy optimizer as elsewhere;
 * the dense-gradient arms do not apply there.
 *
 *   tsx bench/step/tfjs-child.ts <wasm|cpu|tensorflow|webgpu|native>
 */
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { type BackendPreference, nativeKernels, selectBackend } from '../../src/backend/index.js';
import { CURRENT_STREAM_VERSION, type NoiseGenerator, runStreams } from '../../src/core/index.js';
import { ANY_DATA_DIR } from '../../src/data/index.js';
import { createInnerOptimizer, createNoisyOptimizer, type NoisyOptimizer } from '../../src/optim/index.js';
import { readMetrics } from '../../src/runs/worker/state.js';
import type { TrainerSession } from '../../src/trainers/index.js';
import { mlpTrainer } from '../../src/trainers/mlp/index.js';
import { ClassifierSession } from '../../src/trainers/shared/classifier-session.js';
import { gradientPathFor } from '../../src/trainers/shared/dense-layer.js';
import { DenseNet } from '../../src/trainers/shared/dense-net.js';
import { loadImageData } from '../../src/trainers/shared/image-data.js';

const SEED = 20161104;

interface Arm {
  readonly session: TrainerSession;
  readonly optimizer: NoisyOptimizer;
  step: number;
}

const say = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

/** As the service's worker builds it (`src/runs/worker/loop.ts`), gradients overwritten in place. */
function optimizerFor(eta: number, overwriteGradients = true, generator?: NoiseGenerator): NoisyOptimizer {
  return createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 0.01 }), {
    eta,
    gamma: 0.55,
    seed: SEED,
    overwriteGradients,
    ...(generator === undefined ? {} : { generator }),
  });
}

async function createArms(backend: string): Promise<Map<string, Arm>> {
  const config = mlpTrainer.compile({ ...mlpTrainer.defaults });
  const arms = new Map<string, Arm>();
  const all = [
    ['plain', 0, true, undefined],
    ['noisy', 0.01, true, undefined],
    ['noisy-ziggurat', 0.01, true, 'ziggurat'],
    // The public path: the transformed gradient uploaded as new tensors.
    ['noisy-copy', 0.01, false, undefined],
    ['noisy-philox', 0.01, true, 'philox'],
  ] as const;
  const device = backend === 'webgpu';
  const chosen = device
    ? all.filter(([name]) => ['plain', 'noisy', 'noisy-philox'].includes(name))
    : all.slice(0, 4);
  const kernels = backend === 'native' ? nativeKernels() : null;
  for (const [name, eta, overwrite, generator] of chosen) {
    const optimizer = optimizerFor(eta, overwrite, generator);
    const session = await mlpTrainer.create(config, {
      streams: runStreams(SEED, CURRENT_STREAM_VERSION),
      optimizer,
      backend,
      dataRoots: ANY_DATA_DIR,
      ...(kernels === null ? {} : { denseKernels: kernels }),
    });
    arms.set(name, { session, optimizer, step: 0 });
  }
  // On native the dense stack runs in the addon: the tfjs gradient paths do not apply.
  if (device || backend === 'native') return arms;
  // As mlpTrainer.create builds it, but with the other dense-gradient path.
  const other = gradientPathFor(backend) === 'transposed' ? 'tfjs' : 'transposed';
  const data = await loadImageData('data', config.data, ANY_DATA_DIR);
  const optimizer = optimizerFor(0.01);
  const net = new DenseNet({
    sizes: [data.train.features, ...Array.from({ length: config.depth }, () => config.width), data.classes],
    init: config.init,
    streams: runStreams(SEED, CURRENT_STREAM_VERSION),
    gradient: other,
  });
  const session = new ClassifierSession({
    net,
    data,
    batchSize: config.batchSize,
    dropoutRate: config.dropoutRate,
    streams: runStreams(SEED, CURRENT_STREAM_VERSION),
    optimizer,
  });
  arms.set(`noisy-${other}-grad`, { session, optimizer, step: 0 });
  return arms;
}

async function run(arm: Arm, steps: number): Promise<{ wallMs: number; cpuMs: number; loss: number }> {
  let loss = Number.NaN;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < steps; i += 1) {
    const reported = arm.session.trainStep(arm.step);
    await arm.optimizer.settle();
    loss = (await readMetrics(reported)).get('loss') ?? Number.NaN;
    arm.step += 1;
  }
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, loss };
}

async function main(): Promise<void> {
  const preference = (process.argv[2] ?? 'wasm') as BackendPreference;
  let arms: Map<string, Arm>;
  try {
    const selection = await selectBackend(preference);
    arms = await createArms(selection.name);
    say({
      ready: true,
      backend: selection.name,
      device: selection.device,
      software: selection.software,
      arms: [...arms.keys()],
      tensors: tf.memory().numTensors,
    });
  } catch (error) {
    say({ ready: false, error: error instanceof Error ? error.message : String(error) });
    return;
  }
  for await (const line of createInterface({ input: process.stdin })) {
    const message = JSON.parse(line) as { cmd: string; arm?: string; steps?: number };
    if (message.cmd === 'quit') break;
    const arm = arms.get(message.arm ?? '');
    if (message.cmd !== 'run' || arm === undefined || !Number.isInteger(message.steps)) {
      say({ error: `bad request ${line}; arms: ${[...arms.keys()].join(', ')}` });
      continue;
    }
    say({ arm: message.arm, steps: message.steps, ...(await run(arm, message.steps as number)) });
  }
  for (const arm of arms.values()) {
    arm.session.dispose();
    arm.optimizer.dispose();
  }
  process.exit(0);
}

await main();
