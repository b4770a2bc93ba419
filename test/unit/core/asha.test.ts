import { describe, expect, it } from 'vitest';
import {
  decideRung,
  type EarlyStopping,
  type RungReport,
  replayRungs,
  rungBudgets,
} from '../../../src/core/index.js';

/** Rungs at 10, 30 and 90 steps (grace 10, η 3, below 100); higher accuracy is better. */
const ASHA: EarlyStopping = {
  metric: 'test_accuracy',
  mode: 'max',
  gracePeriod: 10,
  reductionFactor: 3,
  maxBudget: 100,
};

const r = (runId: string, step: number, value: number, arm = 'noise'): RungReport => ({
  runId,
  arm,
  step,
  value,
});

describe('rungBudgets', () => {
  it('is grace × η^k below the maximum budget', () => {
    expect(rungBudgets(ASHA)).toEqual([10, 30, 90]);
    expect(rungBudgets({ ...ASHA, gracePeriod: 5, reductionFactor: 2, maxBudget: 40 })).toEqual([5, 10, 20]);
    expect(rungBudgets({ ...ASHA, maxBudget: 90 })).toEqual([10, 30]);
  });
});

describe('decideRung, replayed over hand-written report sequences', () => {
  it('stops the runs outside the top max(1, ⌊n/η⌋) of their rung, as worked out by hand', () => {
    // Rung 0 (step 10), noise arm, in arrival order; n counts this run, quota = max(1, ⌊n/3⌋):
    //   a 0.50  n=1 quota 1 rank 1 -> on
    //   b 0.70  n=2 quota 1 rank 1 -> on
    //   c 0.60  n=3 quota 1 rank 2 (b) -> STOP
    //   d 0.90  n=4 quota 1 rank 1 -> on
    //   e 0.55  n=5 quota 1 rank 4 (b, c, d) -> STOP
    //   f 0.80  n=6 quota 2 rank 2 (d) -> on
    //   h NaN   n=7 quota 2 rank 7 (every finite value is better) -> STOP
    // The control arm has its own rungs: g 0.10 is the first no_noise run at rung 0 -> on.
    // Rung 1 (step 30): a 0.60 n=1 -> on; b 0.50 n=2 quota 1 rank 2 -> STOP.
    // d reports first at step 95: judged at rung 2 (90) only, the first there -> on.
    const reports = [
      r('a', 10, 0.5),
      r('b', 10, 0.7),
      r('c', 10, 0.6),
      r('d', 10, 0.9),
      r('e', 10, 0.55),
      r('f', 10, 0.8),
      r('g', 10, 0.1, 'no_noise'),
      r('h', 10, Number.NaN),
      r('a', 30, 0.6),
      r('b', 30, 0.5),
      r('d', 95, 0.95),
    ];
    const { entries, stopped } = replayRungs(ASHA, reports);
    expect([...stopped].sort()).toEqual(['b', 'c', 'e', 'h']);
    expect(entries.map((e) => `${e.runId}@${e.rung}${e.stop ? '!' : ''}`)).toEqual([
      'a@0',
      'b@0',
      'c@0!',
      'd@0',
      'e@0!',
      'f@0',
      'g@0',
      'h@0!',
      'a@1',
      'b@1!',
      'd@2',
    ]);
  });

  it('judges by arrival order: the same values in reverse stop other runs', () => {
    const values: [string, number][] = [
      ['a', 0.1],
      ['b', 0.2],
      ['c', 0.3],
    ];
    // Rising: each arrival is the best so far (rank 1, quota 1) -> none stops.
    expect(
      replayRungs(
        ASHA,
        values.map(([id, v]) => r(id, 10, v)),
      ).stopped.size,
    ).toBe(0);
    // Falling: c first (on), b rank 2 of 2 -> stop, a rank 3 of 3 (quota 1) -> stop.
    const falling = [...values].reverse().map(([id, v]) => r(id, 10, v));
    expect([...replayRungs(ASHA, falling).stopped].sort()).toEqual(['a', 'b']);
  });

  it('minimises under mode min, and never compares the arms', () => {
    const min: EarlyStopping = { ...ASHA, metric: 'test_error', mode: 'min' };
    const { stopped } = replayRungs(min, [
      r('n1', 10, 0.2),
      r('c1', 10, 0.9, 'no_noise'),
      r('n2', 10, 0.1),
      r('c2', 10, 0.95, 'no_noise'),
    ]);
    // n2 beats n1 (on); c2 is worse than c1 (stop), though both controls are worse than any noise run.
    expect([...stopped]).toEqual(['c2']);
  });

  it('records nothing before the grace period, nor twice at one rung; a stopped run stays stopped', () => {
    expect(decideRung(ASHA, [], r('a', 9, 0.5))).toEqual({ stop: false, entry: null });
    const first = decideRung(ASHA, [], r('a', 12, 0.5));
    expect(first.entry).toMatchObject({ runId: 'a', rung: 0, step: 12, stop: false });
    const entries = first.entry === null ? [] : [first.entry];
    // The same report again (a second replica, a resumed attempt): the first decision holds.
    expect(decideRung(ASHA, entries, r('a', 12, 0.1))).toEqual({ stop: false, entry: null });
    const stopped = [{ runId: 'b', arm: 'noise', rung: 0, step: 10, value: 0.1, stop: true }];
    expect(decideRung(ASHA, stopped, r('b', 40, 0.99))).toEqual({ stop: true, entry: null });
  });

  it('is a pure function of the recorded entries, whatever their order', () => {
    const { entries } = replayRungs(ASHA, [r('a', 10, 0.5), r('b', 10, 0.7), r('c', 10, 0.6)]);
    const report = r('x', 10, 0.65);
    const forward = decideRung(ASHA, entries, report);
    expect(decideRung(ASHA, [...entries].reverse(), report)).toEqual(forward);
    expect(forward.stop).toBe(true); // n=4, quota 1, rank 2 (b)
  });
});
