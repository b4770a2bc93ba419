import { describe, expect, it } from 'vitest';
import { type RunSpec, storedRunSpec } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';

describe('storedRunSpec', () => {
  const spec = compileRunSpec({ trainer: 'smoke', maxSteps: 5 }, ANY_DATA_DIR);

  it('reads a spec stored before noise.generator existed as a ziggurat run, the generator it ran with', () => {
    expect(spec.noise.generator).toBe('box-muller');
    const { generator: _, ...legacyNoise } = spec.noise;
    const legacy = JSON.parse(JSON.stringify({ ...spec, noise: legacyNoise })) as unknown;
    expect(storedRunSpec(legacy)).toEqual({ ...spec, noise: { ...spec.noise, generator: 'ziggurat' } });
  });

  it('leaves a spec that names its generator as it is', () => {
    expect(storedRunSpec(spec)).toBe(spec);
    const ziggurat: RunSpec = { ...spec, noise: { ...spec.noise, generator: 'ziggurat' } };
    expect(storedRunSpec(ziggurat)).toBe(ziggurat);
  });
});
