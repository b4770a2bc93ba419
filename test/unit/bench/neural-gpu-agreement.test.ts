import { describe, expect, it } from 'vitest';
import { LOSS_TOLERANCE, lossAgreement } from '../../../bench/neural_gpu/agreement.js';

describe('lossAgreement', () => {
  it('accepts float32 rounding and rejects a different model', () => {
    expect(lossAgreement(0.694841742515564, 0.6948417425)).toMatchObject({ agree: true });
    const off = lossAgreement(0.6948, 0.6958);
    expect(off.agree).toBe(false);
    expect(off.relative).toBeCloseTo(0.001 / 0.6958, 6);
  });

  it('is relative, symmetric and bounded by the tolerance', () => {
    const big = 1000;
    expect(lossAgreement(big, big * (1 + LOSS_TOLERANCE / 2)).agree).toBe(true);
    expect(lossAgreement(big * (1 + 2 * LOSS_TOLERANCE), big).agree).toBe(false);
    expect(lossAgreement(0, 0)).toEqual({ relative: 0, agree: true });
  });

  it('never agrees on a non-finite loss', () => {
    expect(lossAgreement(Number.NaN, Number.NaN).agree).toBe(false);
    expect(lossAgreement(Number.POSITIVE_INFINITY, 1).agree).toBe(false);
  });
});
