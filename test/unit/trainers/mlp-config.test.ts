import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/index.js';
import { ANY_DATA_DIR, IDX_FILES } from '../../../src/data/index.js';
import { MLP_DEFAULTS, type MlpConfig, mlpTrainer } from '../../../src/trainers/mlp/index.js';

function compile(overrides: Record<string, unknown>): MlpConfig {
  return mlpTrainer.compile({ ...MLP_DEFAULTS, ...overrides } as MlpConfig);
}

function rejection(overrides: Record<string, unknown>): AppError {
  try {
    compile(overrides);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(overrides)}`);
}

describe('mlp config', () => {
  it('fills the mnist split sizes and keeps the paper defaults', () => {
    expect(compile({})).toEqual({
      depth: 20,
      width: 50,
      init: 'simple',
      batchSize: 100,
      dropoutRate: 0,
      data: { source: 'mnist', trainSize: 8000, testSize: 2000 },
    });
    expect(
      compile({ depth: 200, width: 4096, batchSize: 10_000, dropoutRate: 0.99, init: 'sussillo' }),
    ).toMatchObject({
      depth: 200,
      width: 4096,
    });
  });

  it.each([
    [{ depth: 0 }, 'depth: got 0; allowed: an integer in [1, 200]'],
    [{ depth: 201 }, 'depth: got 201; allowed: an integer in [1, 200]'],
    [{ depth: 2.5 }, 'depth: got 2.5; allowed: an integer in [1, 200]'],
    [{ width: -1 }, 'width: got -1; allowed: an integer in [1, 4096]'],
    [{ width: '50' }, 'width: got "50"; allowed: an integer in [1, 4096]'],
    [{ init: 'xavier' }, 'init: got "xavier"; allowed: one of: simple, zero, he, sussillo'],
    [{ dropoutRate: 1.5 }, 'dropoutRate: got 1.5; allowed: a number in [0, 1)'],
    [{ dropoutRate: 1 }, 'dropoutRate: got 1; allowed: a number in [0, 1)'],
    [{ dropoutRate: Number.NaN }, 'dropoutRate: got NaN'],
    [{ batchSize: 0 }, 'batchSize: got 0; allowed: an integer in [1, 10000]'],
    [{ batchSize: 10_001 }, 'batchSize: got 10001'],
    [{ data: { source: 'cifar' } }, 'data.source: got "cifar"; allowed: one of: mnist, idx'],
    [{ data: { source: 'idx' } }, 'data.dir: got undefined; allowed: an absolute directory path'],
    [{ data: { source: 'idx', dir: 'relative/dir' } }, 'data.dir: got "relative/dir"'],
    [
      { data: { source: 'mnist', dir: '/tmp' } },
      'data.dir: got "/tmp"; allowed: absent when source is mnist',
    ],
    [
      { data: { source: 'mnist', trainSize: 8001 } },
      'data.trainSize: got 8001; allowed: an integer in [1, 8000]',
    ],
    [{ data: { source: 'mnist', testSize: 0 } }, 'data.testSize: got 0'],
    [{ data: 'mnist' }, 'data: got "mnist"; allowed: an object'],
    [{ widht: 50 }, 'widht: got 50; allowed: a known key'],
    [{ data: { source: 'mnist', path: '/x' } }, 'data.path: got "/x"; allowed: a known key'],
  ])('rejects %j with INVALID_ARGUMENT naming the field', (overrides, message) => {
    const error = rejection(overrides);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(message);
  });

  it('accepts an idx directory and checks it only in preflight', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gradnoise-mlp-'));
    try {
      const cfg = compile({ data: { source: 'idx', dir, trainSize: 2 } });
      expect(cfg.data).toEqual({ source: 'idx', dir, trainSize: 2 });
      await expect(mlpTrainer.preflight?.(cfg, ANY_DATA_DIR)).rejects.toMatchObject({
        code: 'FAILED_PRECONDITION',
      });

      const header = (magic: number, dims: number[]) => {
        const out = Buffer.alloc(4 + 4 * dims.length);
        out.writeUInt32BE(magic, 0);
        dims.forEach((d, i) => {
          out.writeUInt32BE(d, 4 + 4 * i);
        });
        return out;
      };
      const images = (n: number) => Buffer.concat([header(0x803, [n, 28, 28]), Buffer.alloc(n * 784)]);
      const labels = (n: number) => Buffer.concat([header(0x801, [n]), Buffer.alloc(n)]);
      await writeFile(join(dir, IDX_FILES.trainImages), images(3));
      await writeFile(join(dir, IDX_FILES.trainLabels), labels(3));
      await writeFile(join(dir, IDX_FILES.testImages), images(1));
      await writeFile(join(dir, IDX_FILES.testLabels), labels(1));
      await expect(mlpTrainer.preflight?.(cfg, ANY_DATA_DIR)).resolves.toBeUndefined();
      // 2 of 3 samples, batch 100 → 1 step per epoch; all 3 with batch 2 → 2 steps.
      expect(mlpTrainer.stepsPerEpoch(cfg, ANY_DATA_DIR)).toBe(1);
      expect(
        mlpTrainer.stepsPerEpoch(compile({ batchSize: 2, data: { source: 'idx', dir } }), ANY_DATA_DIR),
      ).toBe(2);

      const tooMany = compile({ data: { source: 'idx', dir, trainSize: 4 } });
      await expect(mlpTrainer.preflight?.(tooMany, ANY_DATA_DIR)).rejects.toThrow(
        'data.trainSize: got 4; allowed: at most 3',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
