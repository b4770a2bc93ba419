import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { Stream } from '../../../../src/core/index.js';
import { listKBatch } from '../../../../src/data/tasks/index.js';
import { readStorage } from '../../../../src/optim/index.js';
import { NRAM_DEFAULTS, type NramConfig, NramMachine } from '../../../../src/trainers/nram/index.js';
import { nativeShape } from '../../../../src/trainers/nram/native-step.js';
import { describeNative, useNativeBackend } from '../../../helpers/native.js';
import { relativeDifference, streamsOf } from '../helpers.js';

/**
 * The NRAM's objective, answers, per-example losses and gradients from the native addon
 * (`native/nram.c`) against the trainer's tfjs machine (`NramMachine.run`, autodiff) on wasm, on
 * one batch: every gradient within {@link TOLERANCE} of the tfjs one, relative to the largest
 * |gradient| of its tensor (sums run in other orders, so not bit for bit). Both controllers, with
 * and without the entropy bonus, and shapes where M, R and T differ, so a swapped axis shows.
 */

const TOLERANCE = 1e-5;

const CASES: ReadonlyArray<{ name: string; config: NramConfig; lengths: number[]; bonus: number }> = [
  {
    name: 'lstm, entropy bonus, M 8, R 4, T 5',
    config: { ...NRAM_DEFAULTS, memorySize: 8, registers: 4, timesteps: 5, stopBias: -1, keepBias: 1 },
    lengths: [1, 2, 2, 1, 2, 1],
    bonus: 0.1,
  },
  {
    name: 'feedforward, no bonus, M 10, R 3, T 4',
    config: {
      ...NRAM_DEFAULTS,
      memorySize: 10,
      registers: 3,
      timesteps: 4,
      controller: 'feedforward',
      hiddenSize: 7,
    },
    lengths: [3, 1, 2, 3, 2],
    bonus: 0,
  },
  {
    name: 'lstm, no bonus, M 7, R 2, T 7, hidden 5',
    config: { ...NRAM_DEFAULTS, memorySize: 7, registers: 2, timesteps: 7, hiddenSize: 5, stopBias: -2 },
    lengths: [2, 1, 2],
    bonus: 0,
  },
];

describeNative('the NRAM forward and backward pass on the native addon', () => {
  const kernelsOf = useNativeBackend();

  for (const { name, config, lengths, bonus } of CASES) {
    it(`agrees with the tfjs machine on wasm to ${TOLERANCE} relative: ${name}`, async () => {
      const start = tf.memory().numTensors;
      const streams = streamsOf(5);
      const machine = new NramMachine(config, streams);
      const batch = listKBatch(config.memorySize, lengths, streams.stream(Stream.syntheticData, 0));
      const b = lengths.length;
      const memory = tf.tensor2d(batch.memory, [b, config.memorySize], 'int32');
      const targets = tf.tensor1d(batch.targets, 'int32');
      const variables = machine.namedVariables.map(({ variable }) => variable);
      const kept: { answers?: tf.Tensor; losses?: tf.Tensor } = {};
      const { value, grads: expected } = tf.variableGrads(() => {
        const run = machine.run(memory, bonus !== 0);
        kept.answers = tf.keep(tf.argMax(NramMachine.answer(run), 1));
        // Per-example losses: the batch's mean loss of each example alone.
        kept.losses = tf.keep(
          tf.stack(
            Array.from({ length: b }, (_, i) => NramMachine.loss(singleRun(run, i), tf.slice(targets, i, 1))),
          ),
        );
        const loss = NramMachine.loss(run, targets);
        return run.entropy === null ? loss : tf.sub(loss, tf.mul(run.entropy, bonus));
      }, variables);

      const shape = nativeShape(config, b);
      const grads = variables.map((v) => new Float32Array(v.size));
      const answers = new Int32Array(b);
      const losses = new Float32Array(b);
      const work = new Float32Array(kernelsOf().nramWorkspaceLength(shape));
      const params = variables.map((v) => readStorage(v));
      const objective = kernelsOf().nramRun(
        shape,
        params,
        batch.memory,
        batch.targets,
        bonus,
        grads,
        answers,
        losses,
        work,
      );

      const want = (await value.data())[0] as number;
      expect(Math.abs(objective - want) / Math.abs(want), 'objective').toBeLessThanOrEqual(TOLERANCE);
      expect(Array.from(answers)).toEqual(Array.from(await (kept.answers as tf.Tensor).data()));
      const lossDiff = relativeDifference(losses, await (kept.losses as tf.Tensor).data());
      expect(lossDiff.relative, 'losses').toBeLessThanOrEqual(TOLERANCE);
      for (const [i, { name: tensor, variable }] of machine.namedVariables.entries()) {
        const { relative, scale } = relativeDifference(
          grads[i] as Float32Array,
          await (expected[variable.name] as tf.Tensor).data(),
        );
        expect(scale, tensor).toBeGreaterThan(1e-4);
        expect(relative, `${tensor}: largest |gradient| ${scale}`).toBeLessThanOrEqual(TOLERANCE);
      }

      // Forward only (no grads): the same objective, answers and losses, and the grads untouched.
      const again = new Int32Array(b);
      const againLosses = new Float32Array(b);
      const forward = kernelsOf().nramRun(
        shape,
        params,
        batch.memory,
        batch.targets,
        bonus,
        [],
        again,
        againLosses,
        work,
      );
      expect(forward).toBe(objective);
      expect(again).toEqual(answers);
      expect(againLosses).toEqual(losses);

      tf.dispose([memory, targets, value, kept.answers as tf.Tensor, kept.losses as tf.Tensor]);
      tf.dispose(Object.values(expected));
      machine.dispose();
      expect(tf.memory().numTensors).toBe(start);
    });
  }
});

/** Example `i` of `run` alone, as a run of batch 1. */
function singleRun(run: ReturnType<NramMachine['run']>, i: number): ReturnType<NramMachine['run']> {
  return {
    outputs: run.outputs.map((o) => tf.slice(o, [i, 0], [1, -1])),
    stopWeights: run.stopWeights.map((w) => tf.slice(w, i, 1)),
    entropy: null,
  };
}
