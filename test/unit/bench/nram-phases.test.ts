import { describe, expect, it } from 'vitest';
import {
  formatPhases,
  type KernelTime,
  kernelsByPhase,
  NRAM_PHASES,
  PhaseRecorder,
  phaseShares,
  topKernels,
  zeroPhases,
} from '../../../bench/nram/phases.js';

/** A clock the test moves by hand. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 100;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const kernel = (name: string, ms: number, phase: KernelTime['phase'], shapes = '[2]'): KernelTime => ({
  name,
  shapes,
  ms,
  phase,
});

describe('nram phase recorder', () => {
  it('charges each stretch to the phase that was running, and nothing while idle', () => {
    const c = clock();
    const r = new PhaseRecorder(c.now);
    c.advance(50); // idle before the step: charged to nothing
    r.switchTo('data');
    c.advance(2);
    r.switchTo('machine');
    c.advance(10);
    // A nested call (the controller inside the unroll) returns to the phase it interrupted.
    const left = r.switchTo('controller');
    expect(left).toBe('machine');
    c.advance(3);
    r.switchTo(left);
    c.advance(5);
    r.switchTo('backward');
    c.advance(20);
    r.switchTo(null);
    c.advance(1000);
    r.switchTo('data');
    c.advance(1);
    r.switchTo(null);
    expect(r.times).toEqual({ ...zeroPhases(), data: 3, machine: 15, controller: 3, backward: 20 });
    r.reset();
    expect(r.times).toEqual(zeroPhases());
  });

  it('starts a block at the reset, not at the last switch', () => {
    const c = clock();
    const r = new PhaseRecorder(c.now);
    r.switchTo('host');
    c.advance(7);
    r.reset();
    c.advance(2);
    r.switchTo(null);
    expect(r.times.host).toBe(2);
  });
});

describe('nram kernel and phase arithmetic', () => {
  const kernels = [
    kernel('MatMul', 4, 'controller', '[50,36] [36,128]'),
    kernel('Sum', 1, 'machine', '[50,23,12]'),
    kernel('MatMul', 6, 'backward', '[50,144] [144,12]'),
    kernel('Add', 5, 'machine'),
    kernel('Sum', 2, 'backward', '[50,23,12]'),
    kernel('Fill', 9, null),
  ];

  it('sums kernel self time and count per phase, leaving out kernels outside any phase', () => {
    const split = kernelsByPhase(kernels);
    expect(split.controller).toEqual({ ms: 4, kernels: 1 });
    expect(split.machine).toEqual({ ms: 6, kernels: 2 });
    expect(split.backward).toEqual({ ms: 8, kernels: 2 });
    expect(split.apply).toEqual({ ms: 0, kernels: 0 });
  });

  it('ranks kernels by total time, by name or by name and shapes, with shares of all kernel time', () => {
    const byName = topKernels(kernels, 3);
    expect(byName.map((k) => [k.name, k.count, k.ms])).toEqual([
      ['MatMul', 2, 10],
      ['Fill', 1, 9],
      ['Add', 1, 5],
    ]);
    expect(byName[0]?.share).toBeCloseTo(10 / 27, 12);
    const byShape = topKernels(kernels, 2, true);
    expect(byShape.map((k) => k.name)).toEqual(['Fill [2]', 'MatMul [50,144] [144,12]']);
    expect(topKernels(kernels).reduce((s, k) => s + k.share, 0)).toBeCloseTo(1, 12);
  });

  it('gives phase shares that sum to 1, and formats every phase', () => {
    const times = { ...zeroPhases(), controller: 1, machine: 3, backward: 4 };
    const shares = phaseShares(times);
    expect(shares.backward).toBe(0.5);
    expect(NRAM_PHASES.reduce((s, p) => s + shares[p], 0)).toBeCloseTo(1, 12);
    expect(Number.isNaN(phaseShares(zeroPhases()).data)).toBe(true);
    const text = formatPhases(times);
    expect(text).toContain('backward 4.00 ms (50 %)');
    expect(text.split(' · ')).toHaveLength(NRAM_PHASES.length);
  });
});
