import { describe, expect, it } from 'vitest';
import { AppError, type RunSpec, storedRunSpec } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileNoiseSettings } from '../../../src/optim/index.js';
import { compileRunSpec, type RunRequest } from '../../../src/runs/compile-spec.js';

describe('storedRunSpec', () => {
  const spec = compileRunSpec({ trainer: 'smoke', maxSteps: 5 }, ANY_DATA_DIR);

  it('reads a spec stored before noise.generator existed as a ziggurat run, the generator it ran with', () => {
    expect(spec.noise.generator).toBe('box-muller');
    const { generator: _, ...legacyNoise } = spec.noise;
    const legacy = JSON.parse(JSON.stringify({ ...spec, noise: legacyNoise })) as unknown;
    expect(storedRunSpec(legacy)).toEqual({ ...spec, noise: { ...spec.noise, generator: 'ziggurat' } });
  });

  it('reads a spec stored before stream versions as version 1, and compiles new runs to version 2', () => {
    expect(spec.streamVersion).toBe(2);
    const { streamVersion: _, ...older } = spec;
    const stored = JSON.parse(JSON.stringify(older)) as unknown;
    expect(storedRunSpec(stored)).toEqual({ ...spec, streamVersion: 1 });
    const { generator: __, ...olderNoise } = spec.noise;
    expect(storedRunSpec({ ...older, noise: olderNoise })).toEqual({
      ...spec,
      streamVersion: 1,
      noise: { ...spec.noise, generator: 'ziggurat' },
    });
  });

  it('leaves a spec that names its generator and stream version as it is', () => {
    expect(storedRunSpec(spec)).toBe(spec);
    const ziggurat: RunSpec = { ...spec, noise: { ...spec.noise, generator: 'ziggurat' } };
    expect(storedRunSpec(ziggurat)).toBe(ziggurat);
  });
});

describe('compileRunSpec noise and clip', () => {
  const messageOf = (request: RunRequest): string => {
    try {
      compileRunSpec(request, ANY_DATA_DIR);
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      return (error as AppError).message;
    }
    throw new Error('expected an error');
  };

  it("fills the trainer's eta and gamma and the optim module's other defaults", () => {
    const { noise, clip } = compileRunSpec({ trainer: 'smoke', noise: { stepsPerTick: 4 } }, ANY_DATA_DIR);
    expect(noise).toEqual({
      ...compileNoiseSettings({ eta: noise.eta, gamma: noise.gamma }),
      stepsPerTick: 4,
    });
    expect(clip).toEqual({});
  });

  it.each<[RunRequest['noise'] & object, string]>([
    [{ eta: -1 }, 'noise.eta: got -1; allowed: a finite number >= 0'],
    [{ gamma: Number.NaN }, 'noise.gamma: got NaN; allowed: a finite number >= 0'],
    [{ stepsPerTick: 0 }, 'noise.stepsPerTick: got 0; allowed: an integer >= 1'],
    [{ stepsPerTick: 2.5 }, 'noise.stepsPerTick: got 2.5; allowed: an integer >= 1'],
    [{ schedule: 'cosine' as never }, `noise.schedule: got "cosine"; allowed: one of 'annealed', 'fixed'`],
    [{ target: 'bias' as never }, `noise.target: got "bias"; allowed: one of 'gradient', 'weight'`],
    [
      { generator: 'polar' as never },
      `noise.generator: got "polar"; allowed: one of 'box-muller', 'ziggurat', 'philox'`,
    ],
  ])("checks noise %j once, with the optim module's message under noise.", (noise, message) => {
    expect(messageOf({ trainer: 'smoke', noise })).toBe(message);
  });

  it.each<[NonNullable<RunRequest['clip']>, string]>([
    [{ byValue: 0 }, 'clip.byValue: got 0; allowed: a finite number > 0'],
    [
      { byGlobalNorm: Number.POSITIVE_INFINITY },
      'clip.byGlobalNorm: got Infinity; allowed: a finite number > 0',
    ],
  ])("checks clip %o with the optim module's message under clip.", (clip, message) => {
    expect(messageOf({ trainer: 'smoke', clip })).toBe(message);
  });
});
