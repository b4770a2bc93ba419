/**
 * One child of `bench/parallel.ts`: trains the paper's MLP (the `mlp` session with its defaults,
 * NoisyOptimizer η = 0.01 as the service's workers build it) on wasm, 200 warm-up steps then 1,500
 * timed ones, and prints `{"wallMs","cpuMs"}` per step as its last line.
 */
import * as tf from '@tensorflow/tfjs';
import { ANY_DATA_DIR } from '../../src/data/index.js';
import '@tensorflow/tfjs-backend-wasm';
import { CURRENT_STREAM_VERSION, runStreams } from '../../src/core/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../src/optim/index.js';
import { mlpTrainer } from '../../src/trainers/mlp/index.js';

await tf.setBackend('wasm');
const config = mlpTrainer.compile({ ...mlpTrainer.defaults });
const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'sgd', learningRate: 0.01 }), {
  eta: 0.01,
  seed: 1,
  overwriteGradients: true,
});
const session = await mlpTrainer.create(config, {
  streams: runStreams(1, CURRENT_STREAM_VERSION),
  optimizer,
  backend: 'wasm',
  dataRoots: ANY_DATA_DIR,
});
const train = (from: number, to: number): void => {
  for (let step = from; step < to; step += 1) {
    for (const value of Object.values(session.trainStep(step)))
      if (typeof value !== 'number') value.dispose();
  }
};
train(0, 200);
const wall0 = performance.now();
const cpu0 = process.cpuUsage();
train(200, 1700);
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({ wallMs: (performance.now() - wall0) / 1500, cpuMs: (cpu.user + cpu.system) / 1000 / 1500 })}\n`,
);
session.dispose();
optimizer.dispose();
