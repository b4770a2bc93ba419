import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/index.js';
import { builtinTrainers } from '../../../src/trainers/index.js';

describe('trainer registry', () => {
  it('lists each trainer once under its own name, with valid defaults', () => {
    const trainers = builtinTrainers.list();
    const names = trainers.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['smoke', 'mlp']));
    expect(new Set(names).size).toBe(names.length);
    for (const trainer of trainers) {
      expect(builtinTrainers.get(trainer.name)).toBe(trainer);
      expect(trainer.paperSection).toMatch(/^§\d/);
      expect(trainer.defaultMaxSteps).toBeGreaterThan(0);
      // The defaults themselves must compile.
      expect(() => trainer.compile(trainer.defaults)).not.toThrow();
    }
  });

  it('rejects an unknown name with INVALID_ARGUMENT listing the known ones', () => {
    let error: unknown;
    try {
      builtinTrainers.get('resnet');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_ARGUMENT');
    expect((error as AppError).message).toMatch(
      /^trainer: got "resnet"; allowed: one of: (?=.*\bsmoke\b)(?=.*\bmlp\b)/,
    );
  });
});
