/**
 * The tfjs side of the Neural GPU speed benchmark (issue 22, goal 3; paper §4.5), a long-lived
 * child process (see `bench/lib/line-child.ts`). It builds the trainer's model at its default config
 * from the run's init streams, draws one batch at the longest training length and that step's
 * candidate-dropout masks, and trains on that one batch with those masks at every step: the same
 * `batchGradients` (checkpointed BPTT) and optimizer (Adam, clip to global norm, noise η = 0) as
 * `NeuralGpuSession.trainStep`, less the batch drawing and the curriculum, on the wasm backend.
 * With backend `native` the gradients come from the native addon instead (`NativeNeuralGpuStep`,
 * as the session steps on that backend); the model, batch, masks and optimizer are the same.
 *
 * Protocol: writes `<dir>/neural_gpu.json` (config, Adam, clip, initial weights, the batch and the
 * masks), then prints `{"ready":true,"backend","path","length"}`; then one line per request:
 * - `{"cmd":"run","steps":n}`: n steps; answers `{"wallMs","cpuMs","loss","firstLoss"}` (each
 *   step's loss computed before its update);
 * - `{"cmd":"quit"}` ends.
 *
 *   tsx bench/neural_gpu/tfjs-child.ts <dir> <seed> [length] [wasm|native]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { loadNativeKernels, selectBackend } from '../../src/backend/index.js';
import { runStreams, Stream } from '../../src/core/index.js';
import { ANY_DATA_DIR } from '../../src/data/index.js';
import { binaryBatch } from '../../src/data/tasks/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../src/optim/index.js';
import { compileRunSpec } from '../../src/runs/compile-spec.js';
import { builtinTrainers } from '../../src/trainers/index.js';
import { batchGradients } from '../../src/trainers/neural_gpu/bptt.js';
import { digitHead } from '../../src/trainers/neural_gpu/head.js';
import { type NeuralGpuConfig, NeuralGpuModel } from '../../src/trainers/neural_gpu/index.js';
import { candidateMaskValues, masksAsTensors } from '../../src/trainers/neural_gpu/masks.js';
import { NativeNeuralGpuStep } from '../../src/trainers/neural_gpu/native-step.js';

const say = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

async function main(): Promise<void> {
  const dir = process.argv[2] ?? '.';
  const seed = Number(process.argv[3] ?? '1');
  const spec = compileRunSpec({ trainer: 'neural_gpu', seed }, ANY_DATA_DIR, builtinTrainers);
  const config = spec.trainerConfig as unknown as NeuralGpuConfig;
  const length = Number(process.argv[4] ?? String(config.maxTrainLength));
  const wanted = process.argv[5] === 'native' ? 'native' : 'wasm';
  const path = join(dir, `neural_gpu-${wanted}.json`);
  const backend = await selectBackend(wanted);
  if (backend.name !== wanted) {
    say({ ready: false, error: `the ${wanted} backend did not load (got ${backend.name})` });
    return;
  }
  const { optimizer: inner, clip } = spec;
  if (inner.kind !== 'adam' || clip.byValue !== undefined || clip.byTensorNorm !== undefined) {
    say({ ready: false, error: `the reference trains Adam with a global-norm clip; got ${inner.kind}` });
    return;
  }
  const streams = runStreams(spec.seed, spec.streamVersion);
  const model = new NeuralGpuModel(config, streams);
  const optimizer = createNoisyOptimizer(createInnerOptimizer(inner), {
    ...spec.noise,
    eta: 0,
    seed: spec.seed,
    clip,
    overwriteGradients: true,
  });
  const batch = binaryBatch(config.task, length, config.batchSize, streams.stream(Stream.syntheticData, 0));
  const maskValues = candidateMaskValues(config, streams, batch, 0);
  const masks = masksAsTensors(maskValues, config, batch);
  const inputs = tf.tensor2d(batch.inputs, [batch.batchSize, batch.inputWidth], 'int32');
  const head = digitHead(batch, streams.version);
  await writeFile(
    path,
    JSON.stringify({
      maps: config.maps,
      layers: config.layers,
      height: config.height,
      kernelWidth: config.kernelWidth,
      kernelHeight: config.kernelHeight,
      gateCutoff: config.gateCutoff,
      adam: {
        learningRate: inner.learningRate,
        beta1: inner.beta1,
        beta2: inner.beta2,
        epsilon: inner.epsilon,
      },
      clipGlobalNorm: clip.byGlobalNorm ?? null,
      batchSize: batch.batchSize,
      inputWidth: batch.inputWidth,
      targetWidth: batch.targetWidth,
      inputs: Array.from(batch.inputs),
      targets: Array.from(batch.targets),
      // [batch, width, height, maps] per layer, 0 or 1/(1 − rate); empty without dropout.
      masks: (masks ?? []).map(values),
      initial: Object.fromEntries(
        model.namedVariables.map(({ name, variable }) => [
          name,
          { shape: variable.shape, values: values(variable) },
        ]),
      ),
    }),
  );
  say({ ready: true, backend: backend.name, path, length });
  const native = wanted === 'native' ? new NativeNeuralGpuStep(model, loadNativeKernels()) : null;
  const step = (): number => {
    if (native !== null) {
      const readout = native.train(batch, maskValues, optimizer);
      if (readout === null) throw new Error('the native step does not take a batch this large');
      return readout[0] as number;
    }
    const { loss, predicted, gradients } = batchGradients(model, inputs, masks, head);
    optimizer.applyGradients(gradients);
    const value = loss.dataSync()[0] ?? Number.NaN;
    tf.dispose([loss, predicted, ...gradients.map((g) => g.tensor)]);
    return value;
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const message = JSON.parse(line) as { cmd: string; steps?: unknown };
    if (message.cmd === 'quit') break;
    if (message.cmd === 'run' && Number.isInteger(message.steps)) {
      const losses: number[] = [];
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      for (let i = 0; i < (message.steps as number); i += 1) losses.push(step());
      const wallMs = performance.now() - start;
      const cpu = process.cpuUsage(cpu0);
      say({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, loss: losses.at(-1), firstLoss: losses[0] });
    } else say({ error: `bad request ${line}; commands: run, quit` });
  }
  tf.dispose([inputs, ...(masks ?? [])]);
  native?.dispose();
  model.dispose();
  optimizer.dispose();
  process.exit(0);
}

await main();
