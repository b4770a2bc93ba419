import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BpttOptions,
  type BpttResult,
  bptt,
  type Unroll,
} from '../../../../src/trainers/shared/sequence/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const STEPS = 7;
const D = 4;

/**
 * A small recurrence with a three-tensor state: h (tanh RNN), a (running sum of h) and c (a
 * counter no loss reads). Per-step losses read h, the final loss reads a, and `unused` is a
 * declared step variable that nothing reads.
 */
class Rnn {
  readonly embed = tf.variable(tf.randomNormal([3, D], 0, 0.5, 'float32', 1));
  readonly w = tf.variable(tf.randomNormal([D, D], 0, 0.5, 'float32', 2));
  readonly u = tf.variable(tf.randomNormal([3, D], 0, 0.5, 'float32', 3));
  readonly b = tf.variable(tf.randomNormal([D], 0, 0.5, 'float32', 4));
  readonly v = tf.variable(tf.randomNormal([D, 2], 0, 0.5, 'float32', 5));
  readonly unused = tf.variable(tf.zeros([2]));
  readonly xs = tf.randomNormal([STEPS + 1, 2, 3], 0, 1, 'float32', 6);

  x(t: number): tf.Tensor2D {
    return tf.squeeze(tf.slice(this.xs, [t, 0, 0], [1, -1, -1]), [0]);
  }
  initial = (): tf.Tensor[] => {
    const h = tf.tanh(tf.matMul(this.x(STEPS), this.embed));
    return [h, tf.zerosLike(h), tf.zeros([2])];
  };
  step = ([h, a, c]: readonly tf.Tensor[], t: number): tf.Tensor[] => {
    const next = tf.tanh(
      tf.add(tf.add(tf.matMul(h as tf.Tensor2D, this.w), tf.matMul(this.x(t), this.u)), this.b),
    );
    return [next, tf.add(a as tf.Tensor, next), tf.add(tf.mul(c as tf.Tensor, 0.5), 1)];
  };
  loss = ([, a]: readonly tf.Tensor[]): tf.Scalar => tf.sum(tf.tanh(tf.matMul(a as tf.Tensor2D, this.v)));
  stepLoss = ([h]: readonly tf.Tensor[], t: number): tf.Scalar =>
    tf.mul(tf.mean(tf.square(tf.matMul(h as tf.Tensor2D, this.v))), (t + 1) / STEPS);

  unroll(withStepLoss: boolean): Unroll {
    return {
      steps: STEPS,
      initial: this.initial,
      initialVariables: [this.embed],
      step: this.step,
      stepVariables: [this.w, this.u, this.b, this.unused],
      loss: this.loss,
      lossVariables: [this.v],
      ...(withStepLoss ? { stepLoss: this.stepLoss } : {}),
      output: ([h]) => tf.argMax(h as tf.Tensor, 1),
    };
  }
  get variables(): tf.Variable[] {
    return [this.embed, this.w, this.u, this.b, this.unused, this.v];
  }
  /** The reference: one tape over the whole unroll, chunk by chunk when truncated. */
  reference(
    withStepLoss: boolean,
    truncate = STEPS,
  ): { loss: number; grads: Map<tf.Variable, Float32Array> } {
    const sums = new Map(this.variables.map((v) => [v, new Float32Array(v.size)]));
    let total = 0;
    let start = tf.tidy(() => this.initial());
    for (let from = 0; from < STEPS; from += truncate) {
      const to = Math.min(STEPS, from + truncate);
      let end: tf.Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        let state = from === 0 ? this.initial() : start;
        let loss: tf.Scalar = tf.scalar(0);
        for (let t = from; t < to; t += 1) {
          state = this.step(state, t);
          if (withStepLoss) loss = tf.add(loss, this.stepLoss(state, t));
        }
        end = state.map((x) => tf.keep(x.clone()));
        return to === STEPS ? tf.add(loss, this.loss(state)) : loss;
      }, this.variables);
      total += value.dataSync()[0] as number;
      for (const [name, g] of Object.entries(grads)) {
        const variable = this.variables.find((v) => v.name === name) as tf.Variable;
        const sum = sums.get(variable) as Float32Array;
        g.dataSync().forEach((x, i) => {
          sum[i] = (sum[i] as number) + x;
        });
      }
      tf.dispose([value, ...Object.values(grads), ...start]);
      start = end;
    }
    tf.dispose(start);
    return { loss: total, grads: sums };
  }
  dispose(): void {
    tf.dispose([...this.variables, this.xs]);
  }
}

let open: Rnn[] = [];
function rnn(): Rnn {
  const model = new Rnn();
  open.push(model);
  return model;
}
afterEach(() => {
  for (const model of open) model.dispose();
  open = [];
});

function run(
  unroll: Unroll,
  options?: BpttOptions,
): { loss: number; output: number[]; grads: Float32Array[] } {
  const before = tf.memory().numTensors;
  const result: BpttResult = bptt(unroll, options);
  // Only the result is left: loss, output and one gradient per distinct variable.
  expect(tf.memory().numTensors).toBe(
    before + 1 + (result.output === null ? 0 : 1) + result.gradients.length,
  );
  const out = {
    loss: result.loss.dataSync()[0] as number,
    output: Array.from(result.output?.dataSync() ?? []),
    grads: result.gradients.map((g) => Float32Array.from(g.tensor.dataSync())),
  };
  tf.dispose([result.loss, result.output ?? [], ...result.gradients.map((g) => g.tensor)]);
  return out;
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  let worst = 0;
  let scale = 0;
  expected.forEach((e, i) => {
    worst = Math.max(worst, Math.abs((actual[i] ?? Number.NaN) - e));
    scale = Math.max(scale, Math.abs(e));
  });
  expect(worst / Math.max(scale, 1e-6), what).toBeLessThan(1e-4);
}

describe('bptt', () => {
  for (const withStepLoss of [false, true]) {
    it(`equals one tape over the unroll ${withStepLoss ? 'with' : 'without'} per-step losses`, () => {
      const model = rnn();
      const ours = run(model.unroll(withStepLoss));
      const ref = model.reference(withStepLoss);
      expect(ours.loss).toBeCloseTo(ref.loss, 4);
      model.variables.forEach((v, i) => {
        const expected = ref.grads.get(v) as Float32Array;
        if (v !== model.unused) expect(Math.max(...expected.map(Math.abs)), v.name).toBeGreaterThan(0);
        expectClose(ours.grads[i] as Float32Array, expected, v.name);
      });
      expect(ours.grads[4]).toEqual(new Float32Array(2)); // `unused`: zeros, not an error
    });
  }

  it('gives the same bits when it keeps fewer states and recomputes the rest', () => {
    const model = rnn();
    const all = run(model.unroll(true));
    for (const keepEvery of [2, 3, STEPS, 100]) {
      expect(run(model.unroll(true), { keepEvery }), `keepEvery ${keepEvery}`).toEqual(all);
    }
  });

  it('truncates: no gradient crosses a chunk boundary backwards', () => {
    const model = rnn();
    const full = run(model.unroll(true));
    const truncated = run(model.unroll(true), { truncate: 3, keepEvery: 2 });
    const ref = model.reference(true, 3);
    expect(truncated.loss).toBeCloseTo(full.loss, 5); // the loss itself is not truncated
    model.variables.forEach((v, i) => {
      expectClose(truncated.grads[i] as Float32Array, ref.grads.get(v) as Float32Array, v.name);
    });
    expect(truncated.grads[1]).not.toEqual(full.grads[1]);
  });

  it('lets a step pass a state tensor through unchanged, and checks the state keeps its shapes', () => {
    const model = rnn();
    // k = x·embed is carried unchanged and read by every step and by the loss.
    const initial = (): tf.Tensor[] => [tf.zeros([2, D]), tf.matMul(model.x(STEPS), model.embed)];
    const step = ([h, k]: readonly tf.Tensor[]): tf.Tensor[] => [
      tf.tanh(tf.add(tf.matMul(h as tf.Tensor2D, model.w), k as tf.Tensor)),
      k as tf.Tensor,
    ];
    const loss = ([h, k]: readonly tf.Tensor[]): tf.Scalar =>
      tf.sum(tf.matMul(tf.mul(h as tf.Tensor, k as tf.Tensor) as tf.Tensor2D, model.v));
    const unroll: Unroll = {
      steps: 4,
      initial,
      initialVariables: [model.embed],
      step,
      stepVariables: [model.w],
      loss,
      lossVariables: [model.v],
    };
    const ours = run(unroll, { keepEvery: 3 });
    const ref = tf.variableGrads(() => {
      let state = initial();
      for (let t = 0; t < 4; t += 1) state = step(state);
      return loss(state);
    }, [model.embed, model.w, model.v]);
    expect(ours.loss).toBeCloseTo(ref.value.dataSync()[0] as number, 4);
    [model.embed, model.w, model.v].forEach((v, i) => {
      expectClose(ours.grads[i] as Float32Array, ref.grads[v.name]?.dataSync() as Float32Array, v.name);
    });
    tf.dispose([ref.value, ...Object.values(ref.grads)]);

    const before = tf.memory().numTensors;
    const growing = {
      ...unroll,
      step: ([h, k]: readonly tf.Tensor[]) => [
        tf.concat([h as tf.Tensor2D, h as tf.Tensor2D]),
        k as tf.Tensor,
      ],
    };
    expect(() => bptt(growing)).toThrow(
      /step 0: state\[0\]\.shape: got \[4,4\]; allowed: \[2,4\], as the state before/,
    );
    expect(() => bptt({ ...unroll, step: ([h]) => [h as tf.Tensor] })).toThrow(
      /step 0: state\.length: got 1; allowed: 2/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('handles zero steps: the loss of s₀', () => {
    const model = rnn();
    const ours = run({ ...model.unroll(true), steps: 0 });
    const ref = tf.variableGrads(() => model.loss(model.initial()), [model.embed, model.v]);
    expect(ours.loss).toBeCloseTo(ref.value.dataSync()[0] as number, 5);
    expectClose(
      ours.grads[0] as Float32Array,
      ref.grads[model.embed.name]?.dataSync() as Float32Array,
      'embed',
    );
    expect(ours.grads[1]).toEqual(new Float32Array(D * D));
    tf.dispose([ref.value, ...Object.values(ref.grads)]);
  });

  it('refuses bad options and integer state by name, and leaks nothing when a step throws', () => {
    const model = rnn();
    expect(() => bptt(model.unroll(false), { keepEvery: 0 })).toThrow(
      /keepEvery: got 0; allowed: an integer >= 1/,
    );
    expect(() => bptt(model.unroll(false), { truncate: 1.5 })).toThrow(/truncate: got 1.5/);
    expect(() => bptt({ ...model.unroll(false), steps: -1 })).toThrow(/steps: got -1/);
    const before = tf.memory().numTensors;
    expect(() =>
      bptt({
        ...model.unroll(false),
        step: (s, t) => [...model.step(s, t).slice(0, 2), tf.zeros([2], 'int32')],
      }),
    ).toThrow(/step 0: state\[2\]\.dtype: got "int32"; allowed: float32/);
    expect(tf.memory().numTensors).toBe(before);
    const failing: Unroll = {
      ...model.unroll(true),
      stepLoss: (s, t) => {
        if (t === 2) throw new Error('boom');
        return model.stepLoss(s, t);
      },
    };
    expect(() => bptt(failing)).toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
  });
});
