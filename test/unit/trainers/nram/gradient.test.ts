import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stream } from '../../../../src/core/index.js';
import { listKBatch } from '../../../../src/data/tasks/index.js';
import { NRAM_DEFAULTS, NramMachine } from '../../../../src/trainers/nram/index.js';
import { streamsOf } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const M = 8;
const STEP = 3e-3;

/**
 * The loss gradient against central differences of the loss itself. The circuit test compares the
 * machine with a gate-by-gate reference, but both run through the same custom-gradient products
 * (`products.ts`), so only a finite difference catches a wrong transpose there or in the
 * controller. float32: a step of 3e-3 keeps rounding (~1e-7 of a loss near 2) and curvature well
 * under the tolerance for the entries that carry the gradient.
 */
describe.each(['lstm', 'feedforward'] as const)('NRAM loss gradient (%s)', (controller) => {
  const machine = new NramMachine(
    {
      ...NRAM_DEFAULTS,
      memorySize: M,
      registers: 2,
      timesteps: 3,
      controller,
      hiddenSize: 3,
      stopBias: -1,
      keepBias: 1,
    },
    streamsOf(7),
  );
  afterAll(() => machine.dispose());

  it('matches central differences of the loss (with the entropy bonus)', () => {
    const batch = listKBatch(M, [2, 2, 1], streamsOf(3).stream(Stream.syntheticData, 0));
    const memory = tf.tensor2d(batch.memory, [3, M], 'int32');
    const targets = tf.tensor1d(batch.targets, 'int32');
    const loss = (): tf.Scalar => {
      const run = machine.run(memory, true);
      return tf.sub(NramMachine.loss(run, targets), tf.mul(run.entropy as tf.Scalar, 0.1));
    };
    const variables = machine.namedVariables.map(({ variable }) => variable);
    const { grads } = tf.variableGrads(loss, variables);
    const set = (variable: tf.Variable, values: Float32Array): void => {
      const value = tf.tensor(values, variable.shape);
      variable.assign(value);
      value.dispose();
    };
    for (const { name, variable } of machine.namedVariables) {
      const gradient = (grads[variable.name] as tf.Tensor).dataSync();
      const original = Float32Array.from(variable.dataSync());
      // The entries with the largest gradient: where a wrong product would show first.
      const entries = Array.from(gradient.keys())
        .sort((a, b) => Math.abs(gradient[b] as number) - Math.abs(gradient[a] as number))
        .slice(0, 4);
      expect(Math.abs(gradient[entries[0] as number] as number), name).toBeGreaterThan(1e-3);
      for (const i of entries) {
        const at = (delta: number): number => {
          const values = original.slice();
          values[i] = (values[i] as number) + delta;
          set(variable, values);
          return tf.tidy(() => loss().dataSync()[0] as number);
        };
        const difference = (at(STEP) - at(-STEP)) / (2 * STEP);
        set(variable, original);
        const analytic = gradient[i] as number;
        expect(Math.abs(analytic - difference), `${name}[${i}]`).toBeLessThan(
          2e-2 * Math.abs(difference) + 1e-4,
        );
      }
    }
    tf.dispose([memory, targets, ...Object.values(grads)]);
  });
});
