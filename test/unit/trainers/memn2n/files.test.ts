import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/backend/index.js';
import { ANY_DATA_DIR, dataRootPolicy } from '../../../../src/data/index.js';
import { memn2nTrainer } from '../../../../src/trainers/memn2n/index.js';
import { context, readMetric, sgd } from '../helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const STORY = '1 Mary moved to the bathroom.\n2 John went to the hallway.\n3 Where is Mary?\tbathroom\t1\n';

function released(): string {
  const dir = mkdtempSync(join(tmpdir(), 'babi-files-'));
  writeFileSync(join(dir, 'qa1_single-supporting-fact_train.txt'), STORY.repeat(20));
  writeFileSync(join(dir, 'qa1_single-supporting-fact_test.txt'), STORY.repeat(5));
  return dir;
}

describe('memn2n on released files', () => {
  it('reads the directory under the data roots and trains on it', async () => {
    const dir = released();
    const config = memn2nTrainer.compile({
      ...memn2nTrainer.defaults,
      data: { source: 'files', dir },
      batchSize: 6,
    });
    await memn2nTrainer.preflight?.(config, ANY_DATA_DIR);
    // 18 training questions (20 less the validation tenth), batches of 6.
    expect(memn2nTrainer.stepsPerEpoch(config, ANY_DATA_DIR)).toBe(3);
    const optimizer = sgd(1, 0.01, 0);
    const session = await memn2nTrainer.create(config, context(1, optimizer));
    optimizer.keyNoiseByName(session.parameterNames());
    expect(Number.isFinite(readMetric(session.trainStep(0).loss))).toBe(true);
    session.dispose();
  });

  it('refuses a directory outside the roots at preflight, naming data.dir', async () => {
    const dir = released();
    const config = memn2nTrainer.compile({ ...memn2nTrainer.defaults, data: { source: 'files', dir } });
    await expect(
      memn2nTrainer.preflight?.(config, dataRootPolicy(['/srv/babi'], 'TEST_ROOTS')),
    ).rejects.toThrow(`data.dir: got "${dir}"; allowed: a directory in /srv/babi`);
    expect(() => memn2nTrainer.stepsPerEpoch(config, dataRootPolicy([], 'TEST_ROOTS'))).toThrow(/data\.dir/);
  });
});
