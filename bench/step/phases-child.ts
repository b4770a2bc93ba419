/**
 * Where the time of one mlp training step goes, on one tfjs backend: the paper's 20 × 50 network
 * (the real `DenseNet`, both dense-gradient paths) on a fixed seeded batch of 100, timed in parts:
 *
 *   forward      loss only, no gradient
 *   fwd+bwd      `tf.variableGrads` of the loss (forward and backward)
 *   +sgd         fwd+bwd, then tfjs's own SGD `applyGradients`
 *   +noisy η=0   fwd+bwd, then the NoisyOptimizer with η = 0 (host gradient read and norm, no noise)
 *   +noisy η=.01 fwd+bwd, then the NoisyOptimizer with η = 0.01 (the noise added on the host, by
 *                the default `box-muller` generator)
 *   +noisy η=.01 ziggurat  the same with the `ziggurat` generator
 *
 * Each part runs in blocks, rotated round by round, and is reported as the median CPU ms per call
 * (CPU time of this single-threaded process, which a busy machine inflates less than wall time).
 * Prints one JSON line.
 *
 *   tsx bench/step/phases-child.ts <wasm|cpu> <rounds> <calls per block>
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendPreference, selectBackend } from '../../src/backend/index.js';
import { CURRENT_STREAM_VERSION, keyedStream, runStreams } from '../../src/core/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../src/optim/index.js';
import type { DenseGradientPath } from '../../src/trainers/shared/dense-layer.js';
import { DenseNet } from '../../src/trainers/shared/dense-net.js';

const [backend, rounds, calls] = [
  process.argv[2] ?? 'wasm',
  Number(process.argv[3] ?? 8),
  Number(process.argv[4] ?? 10),
];
await selectBackend(backend as BackendPreference);

const r = keyedStream([20161104, 1, 1]);
const x = tf.tensor2d(
  Float32Array.from({ length: 100 * 784 }, () => r.uniform()),
  [100, 784],
);
const y = tf.tidy(() =>
  tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 100 }, () => r.below(10)),
      'int32',
    ),
    10,
  ),
);
const sgd = () => createInnerOptimizer({ kind: 'sgd', learningRate: 0.001 });

type Part = readonly [name: string, run: () => void];

function parts(path: DenseGradientPath): Part[] {
  const net = new DenseNet({
    sizes: [784, ...Array<number>(20).fill(50), 10],
    init: 'simple',
    streams: runStreams(1, CURRENT_STREAM_VERSION),
    gradient: path,
  });
  const loss = () => tf.losses.softmaxCrossEntropy(y, net.logits(x)) as tf.Scalar;
  const grads = () => {
    const { value, grads } = tf.variableGrads(loss, net.variables());
    value.dispose();
    return grads;
  };
  const stepWith = (optimizer: tf.Optimizer) => () => {
    const g = grads();
    optimizer.applyGradients(g);
    tf.dispose(Object.values(g));
  };
  return [
    ['forward', () => tf.tidy(() => void loss().dataSync())],
    ['fwd+bwd', () => tf.dispose(Object.values(grads()))],
    ['+sgd', stepWith(sgd())],
    ['+noisy η=0', stepWith(createNoisyOptimizer(sgd(), { eta: 0, seed: 1, overwriteGradients: true }))],
    ['+noisy η=.01', stepWith(createNoisyOptimizer(sgd(), { eta: 0.01, seed: 1, overwriteGradients: true }))],
    [
      '+noisy η=.01 ziggurat',
      stepWith(
        createNoisyOptimizer(sgd(), { eta: 0.01, seed: 1, overwriteGradients: true, generator: 'ziggurat' }),
      ),
    ],
  ].map(([name, run]) => [`${path} ${name as string}`, run as () => void]);
}

const all = [...parts('transposed'), ...parts('tfjs')];
const cpuMs: Record<string, number[]> = {};
const block = ([name, run]: Part, n: number): void => {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i += 1) run();
  const c = process.cpuUsage(c0);
  cpuMs[name] = [...(cpuMs[name] ?? []), (c.user + c.system) / 1000 / n];
};
for (const part of all) block(part, 3); // warm-up
for (const part of all) cpuMs[part[0]] = [];
for (let round = 0; round < rounds; round += 1) {
  for (let k = 0; k < all.length; k += 1) block(all[(round + k) % all.length] as Part, calls);
}
process.stdout.write(`${JSON.stringify({ backend: tf.getBackend(), rounds, calls, cpuMs })}\n`);
process.exit(0);
