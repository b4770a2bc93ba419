import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  circuitLayout,
  controllerOutputs,
  GATES,
  NRAM_DEFAULTS,
  NramMachine,
  type NramRun,
} from '../../../../src/trainers/nram/index.js';
import { streamsOf } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * The machine as Kurach et al. describe it, one gate at a time: each choice its own softmax over
 * the controller's compact logits, the candidates a growing concatenation. `NramMachine.run`
 * computes the same with a padded softmax and a running mixture; this is its reference.
 */
function reference(machine: NramMachine, memory: tf.Tensor2D): NramRun {
  const { memorySize: m, registers: r, timesteps } = machine.shape;
  const batch = memory.shape[0];
  let mem = tf.cast(tf.oneHot(memory, m), 'float32') as tf.Tensor3D;
  let regs = tf.cast(tf.oneHot(tf.zeros([batch, r], 'int32'), m), 'float32') as tf.Tensor3D;
  let state = machine.controller.initialState(batch);
  let remaining: tf.Tensor1D = tf.ones([batch]);
  const outputs: tf.Tensor2D[] = [];
  const stopWeights: tf.Tensor1D[] = [];
  const entropies: tf.Scalar[] = [];
  for (let t = 0; t < timesteps; t += 1) {
    const step = machine.controller.step(
      tf.reshape(tf.slice(regs, [0, 0, 0], [batch, r, 1]), [batch, r]),
      state,
    );
    state = step.state;
    let offset = 0;
    const choose = (count: number, width: number): tf.Tensor3D => {
      const logits = tf.reshape(tf.slice(step.logits, [0, offset], [batch, count * width]), [
        batch,
        count,
        width,
      ]);
      offset += count * width;
      const p = tf.softmax(logits) as tf.Tensor3D;
      entropies.push(tf.neg(tf.mean<tf.Scalar>(tf.sum(tf.mul(p, tf.logSoftmax(logits)), -1))));
      return p;
    };
    let candidates: tf.Tensor3D = regs;
    GATES.forEach(({ name, arity }, q) => {
      const mixed = arity > 0 ? tf.matMul(choose(arity, r + q), candidates) : null;
      const inputs = Array.from({ length: arity }, (_, j) =>
        tf.reshape(tf.slice(mixed as tf.Tensor3D, [0, j, 0], [batch, 1, m]), [batch, m]),
      ) as tf.Tensor2D[];
      const applied = machine.gates.apply(name, inputs, mem);
      mem = applied.memory;
      candidates = tf.concat([candidates, tf.reshape(applied.output, [batch, 1, m])], 1);
    });
    const next = tf.matMul(choose(r, r + GATES.length), candidates);
    regs = tf.div(next, tf.sum(next, -1, true));
    const f =
      t === timesteps - 1
        ? tf.ones([batch])
        : tf.sigmoid(tf.reshape(tf.slice(step.logits, [0, offset], [batch, 1]), [batch]));
    stopWeights.push(tf.mul(remaining, f) as tf.Tensor1D);
    remaining = tf.mul(remaining, tf.sub(1, f));
    outputs.push(tf.reshape(tf.slice(mem, [0, 2, 0], [batch, 1, m]), [batch, m]));
  }
  return { outputs, stopWeights, entropy: tf.div<tf.Scalar>(tf.addN(entropies), entropies.length) };
}

const shape = { ...NRAM_DEFAULTS, memorySize: 7, registers: 3, timesteps: 4, hiddenSize: 6 };
const machines = (['lstm', 'feedforward'] as const).map(
  (controller) => new NramMachine({ ...shape, controller }, streamsOf(5)),
);
afterAll(() => {
  for (const machine of machines) machine.dispose();
});

describe('NRAM circuit', () => {
  it('lays out every compact logit once, in a cell its choice may pick', () => {
    const layout = circuitLayout(3);
    const cells = layout.rows * layout.width + 1;
    expect(layout.rows).toBe(19 + 3);
    for (let i = 0; i < layout.outputs; i += 1) {
      const row = layout.scatter.subarray(i * cells, (i + 1) * cells);
      expect(row.reduce((a, b) => a + b, 0)).toBe(1);
      expect(layout.offset[row.indexOf(1)]).toBe(0);
    }
    expect(layout.offset.filter((x) => x === 0)).toHaveLength(controllerOutputs(3));
  });

  it.each([0, 1])(
    'runs as the gate-by-gate machine: outputs, stop weights, entropy (controller %i)',
    (which) => {
      const machine = machines[which] as NramMachine;
      tf.tidy(() => {
        const memory = tf.tensor2d(
          [
            [3, 1, 0, 5, 2, 0, 6],
            [5, 0, 0, 0, 4, 3, 1],
            [0, 0, 0, 0, 0, 0, 0],
          ],
          [3, 7],
          'int32',
        );
        const got = machine.run(memory, true);
        const want = reference(machine, memory);
        const close = (a: tf.Tensor, b: tf.Tensor): void => {
          expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
        };
        for (const [t, out] of got.outputs.entries()) close(out, want.outputs[t] as tf.Tensor);
        for (const [t, w] of got.stopWeights.entries()) close(w, want.stopWeights[t] as tf.Tensor);
        close(got.entropy as tf.Scalar, want.entropy as tf.Scalar);
        // The machine's outputs move away from the input memory: the comparison is not vacuous.
        expect(
          tf.max(tf.abs(tf.sub(got.outputs.at(-1) as tf.Tensor, got.outputs[0] as tf.Tensor))).dataSync()[0],
        ).toBeGreaterThan(1e-3);
      });
    },
  );

  it("has the gradient of the gate-by-gate machine (the products' custom gradients)", () => {
    const machine = machines[0] as NramMachine;
    const variables = machine.namedVariables.map(({ variable }) => variable);
    const memory = tf.tensor2d(
      [
        [3, 1, 0, 5, 2, 0, 6],
        [5, 0, 0, 0, 4, 3, 1],
      ],
      [2, 7],
      'int32',
    );
    const targets = tf.tensor1d([2, 4], 'int32');
    const gradients = (run: (x: tf.Tensor2D) => NramRun) =>
      tf.variableGrads(() => {
        const result = run(memory);
        return tf.sub(NramMachine.loss(result, targets), tf.mul(result.entropy as tf.Scalar, 0.1));
      }, variables).grads;
    const got = gradients((x) => machine.run(x, true));
    const want = gradients((x) => reference(machine, x));
    for (const v of variables) {
      const [g, w] = [got[v.name] as tf.Tensor, want[v.name] as tf.Tensor];
      expect(tf.max(tf.abs(w)).dataSync()[0], v.name).toBeGreaterThan(1e-4);
      expect(tf.max(tf.abs(tf.sub(g, w))).dataSync()[0], v.name).toBeLessThan(1e-5);
    }
    tf.dispose([memory, targets, ...Object.values(got), ...Object.values(want)]);
  });
});
