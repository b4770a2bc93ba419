import { describe, expect, it } from 'vitest';
import { ANY_DATA_DIR } from '../../../../src/data/index.js';
import {
  NEURAL_PROGRAMMER_DEFAULTS,
  type NeuralProgrammerConfig,
  neuralProgrammerTrainer,
} from '../../../../src/trainers/neural_programmer/index.js';
import { builtinTrainers } from '../../../../src/trainers/registry.js';

const compile = (fields: Record<string, unknown>) =>
  neuralProgrammerTrainer.compile({ ...NEURAL_PROGRAMMER_DEFAULTS, ...fields } as NeuralProgrammerConfig);

describe('the neural_programmer config', () => {
  it('is registered with the paper defaults: T = 4, Adam, η = 1.0 after a global-norm clip', () => {
    expect(builtinTrainers.get('neural_programmer')).toBe(neuralProgrammerTrainer);
    expect(NEURAL_PROGRAMMER_DEFAULTS).toMatchObject({
      steps: 4,
      columns: 5,
      rows: 30,
      maxValue: 100,
      datasetSize: 10_000,
    });
    expect(neuralProgrammerTrainer.defaultNoise.eta).toBe(1);
    expect(neuralProgrammerTrainer.defaultOptimizer?.kind).toBe('adam');
    expect(neuralProgrammerTrainer.defaultClip).toEqual({ byGlobalNorm: 1 });
    expect(neuralProgrammerTrainer.stepsPerEpoch(NEURAL_PROGRAMMER_DEFAULTS, ANY_DATA_DIR)).toBe(500);
  });

  it.each([
    [{ columns: 6 }, 'columns: got 6; allowed: an integer in [1, 5]'],
    [{ steps: 0 }, 'steps: got 0'],
    [{ dropout: 1 }, 'dropout: got 1'],
    [{ templates: 'all' }, 'templates: got "all"'],
    [{ huberDelta: 0 }, 'huberDelta: got 0'],
    [{ batchSize: 50, datasetSize: 10 }, 'batchSize: got 50; allowed: an integer in [1, datasetSize = 10]'],
  ])('refuses %j naming the field', (fields, message) => {
    expect(() => compile(fields)).toThrow(message);
  });
});
