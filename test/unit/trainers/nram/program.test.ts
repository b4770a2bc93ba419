import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stream } from '../../../../src/core/index.js';
import { listKBatch } from '../../../../src/data/tasks/index.js';
import { circuitLayout, GATES, NRAM_DEFAULTS, NramMachine } from '../../../../src/trainers/nram/index.js';
import { streamsOf } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const R = 2;
const M = 8;
const layout = circuitLayout(R);
const column = (gate: string): number => R + GATES.findIndex(({ name }) => name === gate);

/** One step of a program: [gate, input, candidate column] picks, each register's pick, stop logit. */
interface Step {
  readonly picks: [string, number, number][];
  readonly registers: [number, number];
}

/**
 * The shortest ListK program for two nodes, k ∈ {0, 1}, with R = 2 and T = 4: the one a trained
 * controller has to find. READ runs first and takes only registers, so the head (READ(0) at t0),
 * k (READ(1) at t1), the next pointer and the value take one step each; the branch at t2 is on
 * P(r₁ = 0), the only view the controller has of k. Every step but the last writes cell 2 (the
 * output, overwritten at t3), so the soft WRITE leaves the list and k alone.
 */
function program(t: number, kIsZero: boolean): Step {
  const idle: [string, number, number][] = [
    ['write', 0, column('two')],
    ['write', 1, column('zero')],
  ];
  switch (t) {
    case 0: // r0 ← head = READ(r0 = 0); r1 ← 1
      return { picks: [['read', 0, 0], ...idle], registers: [column('read'), column('one')] };
    case 1: // r1 ← k = READ(r1 = 1)
      return { picks: [['read', 0, 1], ...idle], registers: [0, column('read')] };
    case 2: // k = 0: r0 ← head + 1; k = 1: r0 ← READ(head) + 1, the next node's value cell
      return {
        picks: [['read', 0, 0], ['inc', 0, kIsZero ? 0 : column('read')], ...idle],
        registers: [column('inc'), 1],
      };
    default: // cell 2 ← READ(r0)
      return {
        picks: [
          ['read', 0, 0],
          ['write', 0, column('two')],
          ['write', 1, column('read')],
        ],
        registers: [0, 1],
      };
  }
}

describe('NRAM program', () => {
  const machine = new NramMachine(
    { ...NRAM_DEFAULTS, memorySize: M, registers: R, timesteps: 4, controller: 'feedforward', hiddenSize: 2 },
    streamsOf(1),
  );
  afterAll(() => machine.dispose());

  it('a hand-set controller branching on P(r₁ = 0) answers every two-node ListK example', () => {
    // The controller replaced by the program: near one-hot choices (logit 30), no stop before t3.
    let t = 0;
    const controller = machine.controller as unknown as {
      step: (x: tf.Tensor2D, state: tf.Tensor2D[]) => { logits: tf.Tensor2D; state: tf.Tensor2D[] };
    };
    controller.step = (x, state) => {
      const rows = (x.arraySync() as number[][]).map((flags) => {
        const { picks, registers } = program(t, (flags[1] as number) > 0.5);
        const logits = new Float32Array(layout.rows * layout.width + 1);
        for (const [gate, input, candidate] of picks) {
          const q = GATES.findIndex(({ name }) => name === gate);
          logits[((layout.inputRow[q] as number) + input) * layout.width + candidate] = 30;
        }
        registers.forEach((candidate, i) => {
          logits[(layout.registerRow + i) * layout.width + candidate] = 30;
        });
        logits[logits.length - 1] = -30;
        return Array.from(logits);
      });
      t += 1;
      return { logits: tf.add(tf.tensor2d(rows), tf.tensor1d(layout.offset)), state };
    };
    const batch = listKBatch(M, new Array<number>(64).fill(2), streamsOf(3).stream(Stream.syntheticData, 0));
    tf.tidy(() => {
      const run = machine.run(tf.tensor2d(batch.memory, [64, M], 'int32'));
      const answers = tf.argMax(NramMachine.answer(run), 1).dataSync();
      expect(Array.from(answers)).toEqual(Array.from(batch.targets));
      const loss = NramMachine.loss(run, tf.tensor1d(batch.targets, 'int32')).dataSync()[0] as number;
      expect(loss).toBeLessThan(1e-3);
    });
    // Both branches ran: the batch has k = 0 and k = 1 examples.
    const ks = new Set(Array.from({ length: 64 }, (_, i) => batch.memory[i * M + 1]));
    expect(ks).toEqual(new Set([0, 1]));
  });
});
