import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { Stream } from '../../../../src/core/index.js';
import { binaryBatch } from '../../../../src/data/tasks/index.js';
import { type NamedTensor, readStorage } from '../../../../src/optim/index.js';
import { batchGradients } from '../../../../src/trainers/neural_gpu/bptt.js';
import { digitHead } from '../../../../src/trainers/neural_gpu/head.js';
import {
  compileNeuralGpuConfig,
  NEURAL_GPU_DEFAULTS,
  type NeuralGpuConfig,
  NeuralGpuModel,
} from '../../../../src/trainers/neural_gpu/index.js';
import { candidateMaskValues, masksAsTensors } from '../../../../src/trainers/neural_gpu/masks.js';
import { describeNative, useNativeBackend } from '../../../helpers/native.js';
import { relativeDifference, streamsOf } from '../helpers.js';
import { shapeOf } from './native-shape.js';

/**
 * The Neural GPU's loss and gradients from the native addon (`native/neural_gpu.c`) against the
 * trainer's tfjs path (`batchGradients`, checkpointed BPTT) on wasm, on one batch: every gradient
 * within {@link TOLERANCE} of the tfjs one, relative to the largest |gradient| of its tensor (sums
 * run in other orders, so not bit for bit). Two layers, height 3 or 4, a non-square kernel (5 × 3,
 * so a swapped axis shows), with and without dropout masks, with the plain sigmoid and the
 * saturating gate (cutoff 1.2), whose clip zeroes gradients, and one batch large enough for the
 * addon's convolutions to run in more than one block of positions. Longer unrolls lose agreement
 * to cancellation in float32 (vanishing gradients summed in other orders), not to a wrong term.
 */

const TOLERANCE = 1e-5;

const base = {
  ...NEURAL_GPU_DEFAULTS,
  task: 'mul' as const,
  maps: 6,
  layers: 2,
  height: 3,
  kernelWidth: 5,
  kernelHeight: 3,
  batchSize: 4,
};

const CASES: ReadonlyArray<{ name: string; config: NeuralGpuConfig; length: number }> = [
  { name: 'cutoff 1.2, dropout', config: compileNeuralGpuConfig({ ...base }), length: 4 },
  { name: 'cutoff 1.2, no dropout', config: compileNeuralGpuConfig({ ...base, dropoutRate: 0 }), length: 4 },
  { name: 'cutoff 1, dropout', config: compileNeuralGpuConfig({ ...base, gateCutoff: 1 }), length: 3 },
  {
    // 16 × 11 × 4 = 704 output positions: im2col runs in two blocks, the second short.
    name: 'two blocks of positions',
    config: compileNeuralGpuConfig({ ...base, batchSize: 16, height: 4, kernelWidth: 3 }),
    length: 5,
  },
  {
    name: 'cutoff 1, no dropout, 3 × 3',
    config: compileNeuralGpuConfig({ ...base, gateCutoff: 1, dropoutRate: 0, kernelWidth: 3 }),
    length: 3,
  },
];

describeNative('the Neural GPU forward and backward pass on the native addon', () => {
  const kernelsOf = useNativeBackend();

  for (const { name, config, length } of CASES) {
    it(`agrees with batchGradients on wasm to ${TOLERANCE} relative: ${name}`, async () => {
      const start = tf.memory().numTensors;
      const streams = streamsOf(3);
      const model = new NeuralGpuModel(config, streams);
      const batch = binaryBatch(
        config.task,
        length,
        config.batchSize,
        streams.stream(Stream.syntheticData, 0),
      );
      const maskValues = candidateMaskValues(config, streams, batch, 0);
      const masks = masksAsTensors(maskValues, config, batch);
      expect(masks === null).toBe(config.dropoutRate === 0);
      const inputs = tf.tensor2d(batch.inputs, [batch.batchSize, batch.inputWidth], 'int32');
      const expected = batchGradients(model, inputs, masks, digitHead(batch, streams.version));

      const shape = shapeOf(config, batch.batchSize, batch.inputWidth, batch.targetWidth);
      const run = (tape: 'step' | 'whole') => {
        const grads = model.namedVariables.map(({ variable }) => new Float32Array(variable.size));
        const predicted = new Float32Array(batch.batchSize * batch.targetWidth);
        const work = new Float32Array(kernelsOf().neuralGpuWorkspaceLength(shape, tape));
        const params = model.namedVariables.map(({ variable }) => readStorage(variable));
        const { inputs, targets } = batch;
        const cutoff = config.gateCutoff;
        const loss = kernelsOf().neuralGpuStep(
          shape,
          cutoff,
          params,
          inputs,
          targets,
          maskValues ?? [],
          grads,
          predicted,
          work,
        );
        return { loss, grads, predicted, workLength: work.length };
      };
      const { loss, grads, predicted, workLength } = run('whole');
      // Recomputing each step's tape before its backward pass changes nothing, in less memory.
      const recomputed = run('step');
      expect(recomputed.workLength).toBeLessThan(workLength);
      expect(recomputed.loss).toBe(loss);
      expect(recomputed.grads).toEqual(grads);

      const tfjsLoss = (await expected.loss.data())[0] as number;
      expect(Math.abs(loss - tfjsLoss) / tfjsLoss, 'loss').toBeLessThanOrEqual(TOLERANCE);
      expect(Array.from(predicted)).toEqual(Array.from(await expected.predicted.data()));
      expect(expected.gradients.map((g) => g.name)).toEqual(model.namedVariables.map((v) => v.variable.name));
      for (const [i, { name: tensor }] of model.namedVariables.entries()) {
        const want = await (expected.gradients[i] as NamedTensor).tensor.data();
        const { relative, scale } = relativeDifference(grads[i] as Float32Array, want);
        expect(scale, tensor).toBeGreaterThan(0);
        expect(relative, `${tensor}: largest |gradient| ${scale}`).toBeLessThanOrEqual(TOLERANCE);
      }
      tf.dispose([inputs, expected.loss, expected.predicted, ...expected.gradients.map((g) => g.tensor)]);
      tf.dispose(masks ?? []);
      model.dispose();
      expect(tf.memory().numTensors).toBe(start);
    });
  }
});
