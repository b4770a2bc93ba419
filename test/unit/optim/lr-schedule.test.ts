import { describe, expect, it } from 'vitest';
import type { LearningRateScheduleSpec, LearningRateState } from '../../../src/core/index.js';
import {
  compileLearningRateSchedule,
  enterPhase,
  initialLearningRateState,
  type LearningRateScheduleOptions,
  learningRateAt,
  MIN_PLATEAU_SCALE,
  observeEvaluation,
} from '../../../src/optim/index.js';

const context = {
  learningRate: 0.1,
  stepsPerEpoch: () => 32,
  metricDirection: (name: string) =>
    ({ test_loss: 'min', test_accuracy: 'max' })[name] as 'min' | 'max' | undefined,
  metricNames: ['test_loss', 'test_accuracy'],
};

describe('compileLearningRateSchedule', () => {
  it('defaults to constant, fills defaults, and compiles an interval in epochs to steps', () => {
    expect(compileLearningRateSchedule({}, context)).toEqual({ kind: 'constant' });
    expect(compileLearningRateSchedule({ kind: 'step', everyEpochs: 25 }, context)).toEqual({
      kind: 'step',
      factor: 0.5,
      everySteps: 800,
      minLearningRate: 0,
    });
    expect(compileLearningRateSchedule({ kind: 'plateau', metric: 'test_accuracy' }, context)).toEqual({
      kind: 'plateau',
      metric: 'test_accuracy',
      direction: 'max',
      factor: 0.5,
      patience: 10,
      minDelta: 0,
      minLearningRate: 0,
    });
    // Counting from the phase start, for a trainer with phases; false is the default, left out.
    const phased = { ...context, phases: ['linear_start', 'default'] };
    expect(
      compileLearningRateSchedule({ kind: 'step', everySteps: 4, fromPhaseStart: true }, phased),
    ).toMatchObject({ everySteps: 4, fromPhaseStart: true });
    expect(
      compileLearningRateSchedule({ kind: 'step', everySteps: 4, fromPhaseStart: false }, phased),
    ).not.toHaveProperty('fromPhaseStart');
    // A trainer that declares no evaluation metrics accepts any name, direction min by default.
    const open = { learningRate: 0.1, stepsPerEpoch: () => 1 };
    expect(compileLearningRateSchedule({ kind: 'plateau', metric: 'whatever' }, open)).toMatchObject({
      metric: 'whatever',
      direction: 'min',
    });
  });

  it.each<[LearningRateScheduleOptions, string]>([
    [{ kind: 'cosine' as never }, `kind: got "cosine"; allowed: one of 'constant', 'step', 'plateau'`],
    [{ kind: 'step', factor: 0, everySteps: 5 }, 'factor: got 0; allowed: a number in (0, 1]'],
    [{ kind: 'step', factor: 1.5, everySteps: 5 }, 'factor: got 1.5; allowed: a number in (0, 1]'],
    [
      { kind: 'step' },
      "everySteps: got undefined; allowed: an integer >= 1 (or every_epochs) for kind 'step'",
    ],
    [{ kind: 'step', everySteps: 5, everyEpochs: 2 }, 'everyEpochs: got 2; allowed: unset when every_steps'],
    [{ kind: 'step', everySteps: 2.5 }, 'everySteps: got 2.5; allowed: an integer in [1, '],
    [
      { kind: 'step', everySteps: 5, minLearningRate: 0.2 },
      'minLearningRate: got 0.2; allowed: a number in [0, 0.1]',
    ],
    [{ kind: 'constant', factor: 0.5 }, "factor: got 0.5; allowed: unset for kind 'constant'"],
    [{ kind: 'step', everySteps: 5, patience: 3 }, "patience: got 3; allowed: unset for kind 'step'"],
    [
      { kind: 'step', everySteps: 5, fromPhaseStart: true },
      'fromPhaseStart: got true; allowed: false for a trainer that declares no phases',
    ],
    [
      { kind: 'plateau', metric: 'test_loss', fromPhaseStart: true },
      "fromPhaseStart: got true; allowed: unset for kind 'plateau'",
    ],
    [
      { kind: 'plateau' },
      "metric: got undefined; allowed: one of test_loss, test_accuracy (required for kind 'plateau')",
    ],
    [
      { kind: 'plateau', metric: 'loss' },
      'metric: got "loss"; allowed: an evaluation metric of the trainer: test_loss, test_accuracy',
    ],
    [
      { kind: 'plateau', metric: 'test_loss', patience: -1 },
      'patience: got -1; allowed: an integer in [0, 1000000]',
    ],
    [
      { kind: 'plateau', metric: 'test_loss', minDelta: Number.NaN },
      'minDelta: got NaN; allowed: a finite number >= 0',
    ],
    [
      { kind: 'plateau', metric: 'test_loss', direction: 'up' as never },
      `direction: got "up"; allowed: one of 'min', 'max'`,
    ],
  ])('refuses %j', (options, message) => {
    expect(() => compileLearningRateSchedule(options, context)).toThrow(message);
  });
});

const plateauSpec: LearningRateScheduleSpec = {
  kind: 'plateau',
  metric: 'test_loss',
  direction: 'min',
  factor: 0.5,
  patience: 0,
  minDelta: 0,
  minLearningRate: 0,
};

describe('learningRateAt and observeEvaluation', () => {
  const initial = initialLearningRateState();

  it('constant: the base rate itself', () => {
    expect(learningRateAt({ kind: 'constant' }, 0.1, 12345, initial)).toBe(0.1);
  });

  it('step: factor^floor(step / everySteps), floored at the minimum', () => {
    const s: LearningRateScheduleSpec = { kind: 'step', factor: 0.5, everySteps: 10, minLearningRate: 0.02 };
    expect([0, 9, 10, 19, 20, 30, 1000].map((step) => learningRateAt(s, 0.1, step, initial))).toEqual([
      0.1, 0.1, 0.05, 0.05, 0.025, 0.02, 0.02,
    ]);
  });

  it('step from the phase start: counts the interval from state.phaseStart', () => {
    const s: LearningRateScheduleSpec = {
      kind: 'step',
      factor: 0.5,
      everySteps: 10,
      minLearningRate: 0,
      fromPhaseStart: true,
    };
    const inPhase = enterPhase(initial, 25);
    expect([0, 10, 24].map((step) => learningRateAt(s, 0.1, step, initial))).toEqual([0.1, 0.05, 0.025]);
    expect([25, 34, 35, 45].map((step) => learningRateAt(s, 0.1, step, inPhase))).toEqual([
      0.1, 0.1, 0.05, 0.025,
    ]);
    // Without the flag the phase start is ignored.
    expect(learningRateAt({ ...s, fromPhaseStart: false }, 0.1, 35, inPhase)).toBe(0.0125);
    // A plateau's evaluation keeps the phase start.
    expect(observeEvaluation({ ...plateauSpec }, inPhase, 1).phaseStart).toBe(25);
  });

  it('plateau: decays after more than `patience` evaluations without an improvement beyond minDelta', () => {
    const s: LearningRateScheduleSpec = {
      kind: 'plateau',
      metric: 'test_loss',
      direction: 'min',
      factor: 0.5,
      patience: 1,
      minDelta: 0.01,
      minLearningRate: 0.03,
    };
    const history: (number | undefined)[] = [1, 0.995, Number.NaN, undefined, 0.5, 0.6, 0.7, 0.7, 0.7, 0.7];
    const states: LearningRateState[] = [];
    let state = initial;
    for (const value of history) {
      state = observeEvaluation(s, state, value);
      states.push(state);
    }
    expect(states.map((x) => [x.scale, x.best, x.count])).toEqual([
      [1, 1, 0],
      [1, 1, 1], // 0.995 is not 0.01 below 1
      [0.5, 1, 0], // NaN is no improvement: a second in a row, past patience 1
      [0.5, 1, 0], // not reported: ignored
      [0.5, 0.5, 0],
      [0.5, 0.5, 1],
      [0.25, 0.5, 0],
      [0.25, 0.5, 1],
      [0.125, 0.5, 0],
      [0.125, 0.5, 1],
    ]);
    expect(learningRateAt(s, 0.1, 0, states[6] as LearningRateState)).toBe(0.03);
    expect(learningRateAt(s, 0.1, 0, states[4] as LearningRateState)).toBe(0.05);
  });

  it('plateau: stops decaying at a floor, so a very long plateau leaves a state a checkpoint can store', () => {
    const s: LearningRateScheduleSpec = {
      kind: 'plateau',
      metric: 'test_loss',
      direction: 'min',
      factor: 0.1,
      patience: 0,
      minDelta: 0,
      minLearningRate: 0,
    };
    let state = initial;
    for (let i = 0; i < 2_000; i += 1) state = observeEvaluation(s, state, 1);
    expect(state.scale).toBe(MIN_PLATEAU_SCALE);
    expect(state.scale).toBeGreaterThan(0);
  });

  it('plateau with direction max counts a rise as the improvement', () => {
    const s: LearningRateScheduleSpec = {
      kind: 'plateau',
      metric: 'test_accuracy',
      direction: 'max',
      factor: 0.1,
      patience: 0,
      minDelta: 0,
      minLearningRate: 0,
    };
    const after = [0.5, 0.6, 0.6].reduce((state, v) => observeEvaluation(s, state, v), initial);
    expect(after).toEqual({ scale: 0.1, best: 0.6, count: 0, phaseStart: 0 });
  });
});
