import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../../src/data/index.js';
import {
  compileNeuralGpuConfig,
  NEURAL_GPU_DEFAULTS,
  type NeuralGpuConfig,
  neuralGpuTrainer,
} from '../../../../src/trainers/neural_gpu/index.js';

function rejects(patch: Record<string, unknown>, field: string): void {
  const config = { ...NEURAL_GPU_DEFAULTS, ...patch } as NeuralGpuConfig;
  let caught: unknown;
  try {
    compileNeuralGpuConfig(config);
  } catch (error) {
    caught = error;
  }
  expect(isAppError(caught), `${JSON.stringify(patch)} should be rejected`).toBe(true);
  if (!isAppError(caught)) return;
  expect(caught.code).toBe('INVALID_ARGUMENT');
  expect(caught.message.startsWith(`${field}: got `)).toBe(true);
  expect(caught.message).toContain('allowed: ');
}

describe('compileNeuralGpuConfig', () => {
  it('accepts the defaults unchanged', () => {
    expect(compileNeuralGpuConfig(NEURAL_GPU_DEFAULTS)).toEqual(NEURAL_GPU_DEFAULTS);
  });

  it('sorts and deduplicates testLengths', () => {
    const compiled = compileNeuralGpuConfig({ ...NEURAL_GPU_DEFAULTS, testLengths: [40, 20, 40, 8] });
    expect(compiled.testLengths).toEqual([8, 20, 40]);
  });

  it.each([
    [{ task: 'sub' }, 'task'],
    [{ maps: 0 }, 'maps'],
    [{ maps: 513 }, 'maps'],
    [{ maps: 2.5 }, 'maps'],
    [{ maps: '24' }, 'maps'],
    [{ layers: 0 }, 'layers'],
    [{ layers: 9 }, 'layers'],
    [{ kernelWidth: 2 }, 'kernelWidth'],
    [{ kernelWidth: 11 }, 'kernelWidth'],
    [{ kernelHeight: 0 }, 'kernelHeight'],
    [{ height: 0 }, 'height'],
    [{ height: 33 }, 'height'],
    [{ dropoutRate: -0.1 }, 'dropoutRate'],
    [{ dropoutRate: 0.95 }, 'dropoutRate'],
    [{ dropoutRate: Number.NaN }, 'dropoutRate'],
    [{ gateCutoff: 0.5 }, 'gateCutoff'],
    [{ batchSize: 0 }, 'batchSize'],
    [{ batchSize: 5000 }, 'batchSize'],
    [{ maxTrainLength: 0 }, 'maxTrainLength'],
    [{ maxTrainLength: 201 }, 'maxTrainLength'],
    [{ curriculumStart: 0 }, 'curriculumStart'],
    [{ curriculumStart: 21 }, 'curriculumStart'],
    [{ curriculumThreshold: -0.01 }, 'curriculumThreshold'],
    [{ curriculumThreshold: 1.5 }, 'curriculumThreshold'],
    [{ curriculumWindow: 0 }, 'curriculumWindow'],
    [{ testLengths: 40 }, 'testLengths'],
    [{ testLengths: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, 'testLengths'],
    [{ testLengths: [20, 0] }, 'testLengths[1]'],
    [{ testLengths: [401] }, 'testLengths[0]'],
    [{ evalExamples: 0 }, 'evalExamples'],
    [{ evalExamples: 10_001 }, 'evalExamples'],
  ])('rejects %j naming %s', (patch, field) => rejects(patch, field));

  it('rejects a training length whose unrolled states would not fit in memory', () => {
    const huge = {
      ...NEURAL_GPU_DEFAULTS,
      maps: 128,
      batchSize: 256,
      maxTrainLength: 100,
      curriculumStart: 3,
    };
    expect(() => compileNeuralGpuConfig(huge)).toThrow(
      /^maxTrainLength: got 100; allowed: a length whose unrolled/,
    );
    // The paper's model (128 maps) at its training length fits.
    expect(compileNeuralGpuConfig({ ...NEURAL_GPU_DEFAULTS, maps: 128 }).maps).toBe(128);
  });

  it('names the value and the allowed range in the message', () => {
    expect(() => compileNeuralGpuConfig({ ...NEURAL_GPU_DEFAULTS, maps: 0 })).toThrow(
      'maps: got 0; allowed: an integer in [1, 512]',
    );
    expect(() => compileNeuralGpuConfig({ ...NEURAL_GPU_DEFAULTS, curriculumStart: 30 })).toThrow(
      'curriculumStart: got 30; allowed: an integer in [1, 20]',
    );
    expect(() => compileNeuralGpuConfig({ ...NEURAL_GPU_DEFAULTS, solvedSeqError: 1.5 })).toThrow(
      /^solvedSeqError: got 1\.5; allowed: .*\[0, 1\]/,
    );
  });

  it('leaves solvedSeqError out unless it is given', () => {
    expect(compileNeuralGpuConfig(NEURAL_GPU_DEFAULTS)).not.toHaveProperty('solvedSeqError');
    expect(compileNeuralGpuConfig({ ...NEURAL_GPU_DEFAULTS, solvedSeqError: 0.01 }).solvedSeqError).toBe(
      0.01,
    );
  });
});

describe('neuralGpuTrainer', () => {
  it('declares the paper section, the paper noise and its defaults', () => {
    expect(neuralGpuTrainer.name).toBe('neural_gpu');
    expect(neuralGpuTrainer.paperSection).toBe('§4.5');
    expect(neuralGpuTrainer.defaultNoise).toEqual({ eta: 1.0, gamma: 0.55 });
    expect(neuralGpuTrainer.compile(neuralGpuTrainer.defaults)).toEqual(NEURAL_GPU_DEFAULTS);
    expect(neuralGpuTrainer.stepsPerEpoch(NEURAL_GPU_DEFAULTS, ANY_DATA_DIR)).toBe(313);
  });
});
