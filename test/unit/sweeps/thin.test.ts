import { describe, expect, it } from 'vitest';
import { checkMaxPoints, DEFAULT_CURVE_POINTS, thinCurve } from '../../../src/sweeps/index.js';

const point = (step: number, mean: number, runs = 2) => ({
  step,
  mean,
  min: mean - step,
  max: mean + step,
  runs,
});

describe('thinCurve: at most maxPoints points per learning curve', () => {
  it('leaves a curve that fits untouched', () => {
    const curve = [point(1, 1), point(2, 2)];
    expect(thinCurve(curve, 2)).toBe(curve);
    expect(thinCurve([], 2)).toEqual([]);
  });

  it('buckets equal step ranges: last step, runs-weighted mean, envelope, most runs', () => {
    // Steps 1..10 in 3 buckets of width 10/3: [1..4], [5..7], [8..10].
    const curve = Array.from({ length: 10 }, (_, i) => point(i + 1, i + 1, i === 0 ? 6 : 2));
    const thin = thinCurve(curve, 3);
    expect(thin.map((p) => p.step)).toEqual([4, 7, 10]);
    // (1×6 + 2×2 + 3×2 + 4×2) / 12 = 2
    expect(thin[0]?.mean).toBe(2);
    expect(thin[1]?.mean).toBe(6);
    expect(thin[2]?.mean).toBe(9);
    expect(thin.map((p) => [p.min, p.max, p.runs])).toEqual([
      [0, 8, 6],
      [0, 14, 2],
      [0, 20, 2],
    ]);
    // Every original value stays inside some bucket's envelope, and the last step is kept.
    expect(thin.at(-1)?.step).toBe(10);
  });

  it('keeps sparse curves sparse: empty buckets give no point', () => {
    const curve = [point(100, 1), point(200, 2), point(5000, 3), point(10_000, 4)];
    const thin = thinCurve(curve, 3);
    expect(thin.length).toBeLessThanOrEqual(3);
    expect(thin.map((p) => p.step)).toEqual([200, 5000, 10_000]);
  });

  it('uses all the points it may, just past the limit too', () => {
    const curve = Array.from({ length: 1001 }, (_, i) => point(i + 1, i));
    expect(thinCurve(curve, 1000)).toHaveLength(1000);
    expect(thinCurve(curve.slice(0, 3), 2).map((p) => p.step)).toEqual([2, 3]);
  });

  it('thins 50,000 steps to the default 1,000 points', () => {
    const curve = Array.from({ length: 50_000 }, (_, i) => point(i + 1, Math.sin(i)));
    const thin = thinCurve(curve, DEFAULT_CURVE_POINTS);
    expect(thin).toHaveLength(1000);
    expect(thin.at(-1)?.step).toBe(50_000);
  });

  it('checks max_points: 0 is the default, else 2 .. 100,000', () => {
    expect(checkMaxPoints('max_points', 0)).toBe(DEFAULT_CURVE_POINTS);
    expect(checkMaxPoints('max_points', 2)).toBe(2);
    for (const bad of [1, -3, 100_001, 2.5]) {
      expect(() => checkMaxPoints('max_points', bad)).toThrow(
        `max_points: got ${bad}; allowed: 0 (for 1000) or an integer in [2, 100000]`,
      );
    }
  });
});
