import { describe, expect, it } from 'vitest';
import { keyedStream } from '../../../../src/core/index.js';
import {
  type CurriculumOptions,
  initialCurriculum,
  parseCurriculum,
  sampleTrainLength,
  updateCurriculum,
} from '../../../../src/trainers/neural_gpu/curriculum.js';

const options: CurriculumOptions = { start: 3, maxLength: 5, threshold: 0.15, window: 4 };

describe('the length curriculum', () => {
  it('starts at curriculumStart with an empty window', () => {
    expect(initialCurriculum(options)).toEqual({ length: 3, windowErrorSum: 0, windowBatches: 0 });
  });

  it('moves up one digit when the mean frontier error of a full window is at most the threshold', () => {
    let state = initialCurriculum(options);
    for (const error of [0.2, 0.1, 0.1]) state = updateCurriculum(state, options, 3, error);
    expect(state.length).toBe(3);
    expect(state.windowBatches).toBe(3);
    state = updateCurriculum(state, options, 3, 0.1); // mean 0.125 < 0.15
    expect(state).toEqual({ length: 4, windowErrorSum: 0, windowBatches: 0 });
  });

  it('stays and opens a new window when the mean error is above the threshold', () => {
    let state = initialCurriculum(options);
    for (const error of [0.15, 0.15, 0.15, 0.16]) state = updateCurriculum(state, options, 3, error);
    expect(state).toEqual({ length: 3, windowErrorSum: 0, windowBatches: 0 });
  });

  it('advances every window with threshold 1 and only on flawless windows with threshold 0', () => {
    const every = { ...options, threshold: 1, window: 1 };
    expect(updateCurriculum(initialCurriculum(every), every, 3, 1).length).toBe(4);
    const flawless = { ...options, threshold: 0, window: 1 };
    expect(updateCurriculum(initialCurriculum(flawless), flawless, 3, 0.01).length).toBe(3);
    expect(updateCurriculum(initialCurriculum(flawless), flawless, 3, 0).length).toBe(4);
  });

  it('ignores batches shorter than the frontier', () => {
    const state = initialCurriculum(options);
    expect(updateCurriculum(state, options, 2, 1)).toBe(state);
  });

  it('never goes past maxLength', () => {
    let state = { length: 5, windowErrorSum: 0, windowBatches: 0 };
    for (let i = 0; i < 4; i += 1) state = updateCurriculum(state, options, 5, 0);
    expect(state.length).toBe(5);
  });

  it('samples the frontier about half the time and otherwise a length in [1, frontier]', () => {
    const state = { length: 6, windowErrorSum: 0, windowBatches: 0 };
    const counts = new Array<number>(8).fill(0);
    for (let step = 0; step < 4000; step += 1) {
      const length = sampleTrainLength(state, keyedStream([5, 2, step]));
      counts[length] = (counts[length] ?? 0) + 1;
    }
    expect(counts[0]).toBe(0);
    expect(counts[7]).toBe(0);
    // P(frontier) = 1/2 + 1/2 · 1/6 = 7/12 ≈ 0.583; P(each shorter length) = 1/12 ≈ 0.083.
    expect((counts[6] ?? 0) / 4000).toBeGreaterThan(0.55);
    expect((counts[6] ?? 0) / 4000).toBeLessThan(0.62);
    for (let length = 1; length < 6; length += 1) expect((counts[length] ?? 0) / 4000).toBeGreaterThan(0.06);
  });

  it('parses a saved state and rejects a corrupt one', () => {
    const saved = { length: 4, windowErrorSum: 0.25, windowBatches: 2 };
    expect(parseCurriculum(JSON.parse(JSON.stringify(saved)), options)).toEqual(saved);
    for (const bad of [
      null,
      3,
      { ...saved, length: 6 },
      { ...saved, windowBatches: 4 },
      { ...saved, length: '4' },
    ]) {
      expect(() => parseCurriculum(bad, options)).toThrow(/invalid curriculum state/);
    }
  });
});
