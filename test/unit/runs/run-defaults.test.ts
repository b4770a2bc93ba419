import { describe, expect, it } from 'vitest';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/index.js';

/** Run options whose defaults follow the trainer config (TrainerDefinition.runDefaults). */
describe('config-dependent run defaults (memn2n, paper §4.2)', () => {
  // The generated task: 900 training questions in batches of 32, 29 steps per epoch.
  const halving = {
    kind: 'step',
    factor: 0.5,
    everySteps: 25 * 29,
    minLearningRate: 0,
    fromPhaseStart: true,
  };

  it('two-stage by default: lr 0.005, halved every 25 epochs counted from the phase start', () => {
    const spec = compileRunSpec({ trainer: 'memn2n' }, ANY_DATA_DIR);
    expect(spec.optimizer).toMatchObject({ kind: 'sgd', learningRate: 0.005 });
    expect(spec.lrSchedule).toEqual(halving);
  });

  it('one-stage: lr 0.01 with the same halving', () => {
    const spec = compileRunSpec({ trainer: 'memn2n', trainerConfig: { linearStart: false } }, ANY_DATA_DIR);
    expect(spec.optimizer).toMatchObject({ kind: 'sgd', learningRate: 0.01 });
    expect(spec.lrSchedule).toEqual(halving);
  });

  it("a request's own rate, kind and schedule win", () => {
    const own = compileRunSpec(
      {
        trainer: 'memn2n',
        optimizer: { learningRate: 0.2 },
        lrSchedule: { kind: 'constant' },
      },
      ANY_DATA_DIR,
    );
    expect(own.optimizer.learningRate).toBe(0.2);
    expect(own.lrSchedule).toEqual({ kind: 'constant' });
    // Another kind keeps the config's default rate.
    const adam = compileRunSpec({ trainer: 'memn2n', optimizer: { kind: 'adam' } }, ANY_DATA_DIR);
    expect(adam.optimizer).toMatchObject({ kind: 'adam', learningRate: 0.005 });
  });

  it('trainers without run defaults keep a constant rate', () => {
    expect(compileRunSpec({ trainer: 'mlp' }, ANY_DATA_DIR).lrSchedule).toEqual({ kind: 'constant' });
  });
});
