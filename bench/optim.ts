/**
 * Noise overhead of the noisy optimizer on the paper's deep MLP (§4.1: 20 hidden layers × 50 ReLU
 * units, 784 inputs, 10 outputs, batch 100, SGD with learning rate 0.01, Simple Init N(0, 0.1²)).
 *
 * Two arms train side by side on identical copies of the network: the plain tfjs SGD optimizer and
 * the same SGD wrapped by `createNoisyOptimizer` with η = 0.01. After a warm-up, the arms run in
 * alternating blocks (A B B A A B …) so drift of the machine's speed hits both alike. It prints
 * ms/step per arm and their ratio.
 *
 * The blocks are short (5 steps) and many (40 per arm) so that each plain block has a noisy
 * neighbour that ran under the same machine load; the median of these paired ratios is the number
 * to read on a shared machine, where other processes change the speed from second to second.
 *
 *     npm run bench:optim -- [--backend wasm|cpu] [--blocks 40] [--steps 5] [--warmup 30]
 *                            [--generator-only] [--quick]
 *
 * `--quick` runs the generator comparison with 10 reps instead of 400, to check that it works; its
 * figures are not for publishing.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createNoisyOptimizer, standardNormals } from '../src/optim/index.js';
import { median } from './lib/stats.js';
import { BATCH, dataStreams, hostPieces, LAYERS, printGenerator, SEED } from './optim-generators.js';

interface Args {
  backend: string;
  blocks: number;
  steps: number;
  warmup: number;
  /** Only the generator comparison (`--generator-only`), no training. */
  generatorOnly: boolean;
  /** Paired reps of the generator comparison: 400, or 10 with `--quick`. */
  generatorReps: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    backend: 'wasm',
    blocks: 40,
    steps: 5,
    warmup: 30,
    generatorOnly: false,
    generatorReps: 400,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    if (key === '--generator-only' || key === '--quick') {
      if (key === '--generator-only') args.generatorOnly = true;
      else args.generatorReps = 10;
      i -= 1;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    if (key === '--backend') args.backend = value;
    else if (key === '--blocks' || key === '--steps' || key === '--warmup') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${key}: got ${value}; allowed: an integer >= 1`);
      args[key.slice(2) as 'blocks' | 'steps' | 'warmup'] = n;
    } else
      throw new Error(
        `unknown option ${key}; allowed: --backend, --blocks, --steps, --warmup, --generator-only, --quick`,
      );
  }
  return args;
}

/** Simple Init of paper §4.1: weights N(0, 0.1²) from the seeded generator, zero biases. */
function initialWeights(): Float32Array[] {
  const out: Float32Array[] = [];
  for (let l = 0; l + 1 < LAYERS.length; l++) {
    const fanIn = LAYERS[l] as number;
    const fanOut = LAYERS[l + 1] as number;
    out.push(standardNormals(fanIn * fanOut, dataStreams(0, l)).map((z) => 0.1 * z));
    out.push(new Float32Array(fanOut));
  }
  return out;
}

interface Mlp {
  readonly variables: tf.Variable[];
  loss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar;
}

function buildMlp(weights: readonly Float32Array[]): Mlp {
  const variables = weights.map((w, k) => {
    const l = Math.floor(k / 2);
    const shape = k % 2 === 0 ? [LAYERS[l] as number, LAYERS[l + 1] as number] : [LAYERS[l + 1] as number];
    return tf.tidy(() => tf.variable(tf.tensor(w, shape)));
  });
  return {
    variables,
    loss(x, y) {
      return tf.tidy(() => {
        let h: tf.Tensor = x;
        for (let l = 0; l + 1 < LAYERS.length; l++) {
          const last = l + 2 === LAYERS.length;
          h = tf.fused.matMul({
            a: h,
            b: variables[2 * l] as tf.Tensor2D,
            bias: variables[2 * l + 1] as tf.Tensor1D,
            activation: last ? 'linear' : 'relu',
          });
        }
        return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar;
      });
    },
  };
}

/** Ten synthetic MNIST-like batches: pixels in [0, 1), one-hot labels, all from the seed. */
function batches(): { x: tf.Tensor2D; y: tf.Tensor2D }[] {
  return Array.from({ length: 10 }, (_, b) => {
    const pixels = standardNormals(BATCH * 784, dataStreams(1, b)).map((z) => Math.min(1, Math.abs(z) / 3));
    const labels = standardNormals(BATCH, dataStreams(2, b));
    const onehot = new Float32Array(BATCH * 10);
    labels.forEach((z, i) => {
      onehot[i * 10 + (Math.floor(Math.abs(z) * 1000) % 10)] = 1;
    });
    return { x: tf.tensor2d(pixels, [BATCH, 784]), y: tf.tensor2d(onehot, [BATCH, 10]) };
  });
}

interface Arm {
  readonly name: string;
  readonly model: Mlp;
  readonly optimizer: tf.Optimizer;
  step: number;
  /** Recorded steps, and their wall-clock ms, process CPU ms, and wall ms inside applyGradients. */
  steps: number;
  wallMs: number;
  cpuMs: number;
  applyMs: number;
  blockWallMs: number[];
  blockCpuMs: number[];
}

function newArm(name: string, model: Mlp, optimizer: tf.Optimizer): Arm {
  return {
    name,
    model,
    optimizer,
    step: 0,
    steps: 0,
    wallMs: 0,
    cpuMs: 0,
    applyMs: 0,
    blockWallMs: [],
    blockCpuMs: [],
  };
}

/**
 * `steps` training steps, as `minimize` does them (computeGradients, applyGradients, dispose), so
 * the time spent in the optimizer can be reported on its own.
 */
function runBlock(arm: Arm, data: ReturnType<typeof batches>, steps: number, record: boolean): void {
  let applyMs = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let s = 0; s < steps; s++) {
    const batch = data[arm.step % data.length] as { x: tf.Tensor2D; y: tf.Tensor2D };
    const { value, grads } = arm.optimizer.computeGradients(
      () => arm.model.loss(batch.x, batch.y),
      arm.model.variables,
    );
    const applyStart = performance.now();
    arm.optimizer.applyGradients(grads);
    applyMs += performance.now() - applyStart;
    tf.dispose([value, grads]);
    arm.step += 1;
  }
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  if (!record) return;
  arm.steps += steps;
  arm.wallMs += wall;
  arm.cpuMs += (cpu.user + cpu.system) / 1000;
  arm.applyMs += applyMs;
  arm.blockWallMs.push(wall / steps);
  arm.blockCpuMs.push((cpu.user + cpu.system) / 1000 / steps);
}

const pct = (ratio: number): string => `${((ratio - 1) * 100).toFixed(2)}%`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.generatorOnly) {
    printGenerator(args.generatorReps);
    return;
  }
  if (!(await tf.setBackend(args.backend))) throw new Error(`backend ${args.backend} failed to initialise`);
  const weights = initialWeights();
  const params = weights.reduce((n, w) => n + w.length, 0);
  const data = batches();
  const plain = newArm('plain sgd', buildMlp(weights), tf.train.sgd(0.01));
  const noisy = newArm(
    'noisy sgd (eta 0.01)',
    buildMlp(weights),
    createNoisyOptimizer(tf.train.sgd(0.01), { eta: 0.01, gamma: 0.55, seed: SEED }),
  );
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  console.log(
    `backend ${tf.getBackend()}, ${params} parameters, batch ${BATCH}, ${LAYERS.length - 2} hidden layers`,
  );
  console.log(`node ${process.version}, ${os.availableParallelism()} cpus (${cpu})`);
  console.log(
    `warm-up ${args.warmup} steps per arm, then ${args.blocks} blocks of ${args.steps} steps per arm`,
  );
  runBlock(plain, data, args.warmup, false);
  runBlock(noisy, data, args.warmup, false);
  for (let b = 0; b < args.blocks; b++) {
    // A B B A: each arm goes first in half the pairs.
    const order = b % 2 === 0 ? [plain, noisy] : [noisy, plain];
    for (const arm of order) runBlock(arm, data, args.steps, true);
  }
  console.log('arm                    wall ms/step  cpu ms/step  median block  applyGradients ms/step');
  for (const arm of [plain, noisy]) {
    const cols = [arm.wallMs, arm.cpuMs, median(arm.blockWallMs) * arm.steps, arm.applyMs].map((ms) =>
      (ms / arm.steps).toFixed(3).padStart(12),
    );
    console.log(`${arm.name.padEnd(22)} ${cols.join(' ')}`);
  }
  const pairedRatios = (a: readonly number[], b: readonly number[]): number[] =>
    a.map((ms, k) => ms / (b[k] as number)).sort((x, y) => x - y);
  const describePaired = (ratios: readonly number[]): string => {
    const at = (q: number): string =>
      (ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))] as number).toFixed(4);
    const m = median(ratios);
    return `${m.toFixed(4)} (overhead ${pct(m)}; quartiles ${at(0.25)}–${at(0.75)})`;
  };
  const wallRatio = noisy.wallMs / plain.wallMs;
  const cpuRatio = noisy.cpuMs / plain.cpuMs;
  const medianRatio = median(noisy.blockWallMs) / median(plain.blockWallMs);
  const extraApply = (noisy.applyMs - plain.applyMs) / noisy.steps;
  console.log(`ratio noisy/plain: wall ${wallRatio.toFixed(4)} (overhead ${pct(wallRatio)})`);
  console.log(`                   cpu  ${cpuRatio.toFixed(4)} (overhead ${pct(cpuRatio)})`);
  console.log(`                   median block ${medianRatio.toFixed(4)} (overhead ${pct(medianRatio)})`);
  console.log(
    `                   median of paired blocks, wall ${describePaired(pairedRatios(noisy.blockWallMs, plain.blockWallMs))}`,
  );
  console.log(
    `                   median of paired blocks, cpu  ${describePaired(pairedRatios(noisy.blockCpuMs, plain.blockCpuMs))}`,
  );
  console.log(
    `extra time in applyGradients: ${extraApply.toFixed(3)} ms/step = ` +
      `${((100 * extraApply) / (plain.wallMs / plain.steps)).toFixed(2)}% of a plain step`,
  );
  const { normMs, noiseMs } = hostPieces(params);
  console.log(
    `host pieces (cpu): global norm ${normMs.toFixed(3)} ms, noise ${noiseMs.toFixed(3)} ms ` +
      `(${((1e6 * noiseMs) / params).toFixed(2)} ns per normal)`,
  );
  printGenerator(args.generatorReps);
  for (const arm of [plain, noisy]) {
    tf.dispose(arm.model.variables);
    arm.optimizer.dispose();
  }
  tf.dispose(data.flatMap((d) => [d.x, d.y]));
}

await main();
