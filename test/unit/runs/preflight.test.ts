import { describe, expect, it } from 'vitest';
import { dataRootPolicy } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import { preflightRuns } from '../../../src/runs/index.js';
import { MLP_DEFAULTS, type MlpConfig, mlpTrainer } from '../../../src/trainers/mlp/index.js';

// Neither directory exists: a check that read before refusing would report FAILED_PRECONDITION.
const roots = dataRootPolicy(['/nonexistent/datasets'], 'GRADNOISE_DATA_ROOTS');
const OUTSIDE = '/nonexistent/elsewhere';
const refusal = (field: string) =>
  expect.objectContaining({
    code: 'INVALID_ARGUMENT',
    message: `${field}: got "${OUTSIDE}"; allowed: a directory in /nonexistent/datasets (the server's data root policy, GRADNOISE_DATA_ROOTS)`,
  });
const idx = (dir: string) => ({ data: { source: 'idx', dir } });

describe('the data root policy on the main thread', () => {
  it('leaves compilation pure: a config naming any absolute directory is valid, wherever it will be read', () => {
    const config = mlpTrainer.compile({ ...MLP_DEFAULTS, ...idx(OUTSIDE) } as MlpConfig);
    expect(config.data).toEqual({ source: 'idx', dir: OUTSIDE });
  });

  it('refuses before reading in stepsPerEpoch and preflight, and so in a budget given in epochs', async () => {
    const config = mlpTrainer.compile({ ...MLP_DEFAULTS, ...idx(OUTSIDE) } as MlpConfig);
    expect(() => mlpTrainer.stepsPerEpoch(config, roots)).toThrow(refusal('data.dir'));
    await expect(mlpTrainer.preflight?.(config, roots)).rejects.toEqual(refusal('data.dir'));
    expect(() =>
      compileRunSpec({ trainer: 'mlp', trainerConfig: idx(OUTSIDE), maxEpochs: 1 }, roots),
    ).toThrow(refusal('mlp.data.dir'));
  });

  it('preflightRuns runs the trainer preflight under the policy, naming fields as compilation does', async () => {
    const outside = compileRunSpec({ trainer: 'mlp', trainerConfig: idx(OUTSIDE), maxSteps: 1 }, roots);
    const inside = compileRunSpec(
      { trainer: 'mlp', trainerConfig: idx('/nonexistent/datasets/a/../b'), maxSteps: 1 },
      roots,
    );
    const smoke = compileRunSpec({ trainer: 'smoke', maxSteps: 1 }, roots);
    await expect(preflightRuns([smoke, outside], roots)).rejects.toEqual(refusal('mlp.data.dir'));
    // Allowed, so read: the directory is missing.
    await expect(preflightRuns([inside], roots)).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringContaining('/nonexistent/datasets/b/train-images-idx3-ubyte'),
    });
    await expect(preflightRuns([smoke, smoke], roots)).resolves.toBeUndefined();
  });
});
