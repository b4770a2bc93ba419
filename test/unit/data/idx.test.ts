import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/index.js';
import {
  ANY_DATA_DIR,
  dataRootPolicy,
  IDX_FILES,
  loadIdxDir,
  preflightIdx,
} from '../../../src/data/index.js';

function imagesFile(count: number, rows = 28, cols = 28, magic = 0x803): Buffer {
  const out = Buffer.alloc(16 + count * rows * cols);
  out.writeUInt32BE(magic, 0);
  out.writeUInt32BE(count, 4);
  out.writeUInt32BE(rows, 8);
  out.writeUInt32BE(cols, 12);
  // Sample i has every pixel equal to 10·i + (position mod 7), so the test can check placement.
  for (let i = 0; i < count; i += 1) {
    for (let p = 0; p < rows * cols; p += 1) out[16 + i * rows * cols + p] = 10 * i + (p % 7);
  }
  return out;
}

function labelsFile(labels: readonly number[], magic = 0x801): Buffer {
  const out = Buffer.alloc(8 + labels.length);
  out.writeUInt32BE(magic, 0);
  out.writeUInt32BE(labels.length, 4);
  labels.forEach((label, i) => {
    out[8 + i] = label;
  });
  return out;
}

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradnoise-idx-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a valid directory: 3 training and 2 test samples; `gzip` compresses every file. */
async function writeValid(gzip: boolean): Promise<void> {
  const files: [string, Buffer][] = [
    [IDX_FILES.trainImages, imagesFile(3)],
    [IDX_FILES.trainLabels, labelsFile([7, 0, 9])],
    [IDX_FILES.testImages, imagesFile(2)],
    [IDX_FILES.testLabels, labelsFile([1, 2])],
  ];
  for (const [name, bytes] of files) {
    await writeFile(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  }
}

async function expectError(
  promise: Promise<unknown>,
  code: string,
  fragments: readonly string[],
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  for (const fragment of fragments) expect((error as AppError).message).toContain(fragment);
}

describe.each([false, true])('IDX directory (gzip %s)', (gzip) => {
  it('loads both splits with pixels scaled to [0, 1] and labels in order', async () => {
    await writeValid(gzip);
    const split = await loadIdxDir(dir, ANY_DATA_DIR);
    expect(split.classes).toBe(10);
    expect(split.train.count).toBe(3);
    expect(split.test.count).toBe(2);
    expect(split.train.features).toBe(784);
    expect([...split.train.labels]).toEqual([7, 0, 9]);
    expect([...split.test.labels]).toEqual([1, 2]);
    // Sample 2, pixel 9: byte 10·2 + 9 mod 7 = 22.
    expect(split.train.inputs[2 * 784 + 9]).toBeCloseTo(22 / 255, 7);
    expect(split.train.inputs.length).toBe(3 * 784);
    await expect(preflightIdx(dir, ANY_DATA_DIR)).resolves.toEqual({ trainCount: 3, testCount: 2 });
  });

  const suffix = gzip ? '.gz' : '';
  const write = (name: string, bytes: Buffer) =>
    writeFile(join(dir, name + suffix), gzip ? gzipSync(bytes) : bytes);

  it('rejects a bad magic with INVALID_ARGUMENT naming the file', async () => {
    await writeValid(gzip);
    await write(IDX_FILES.trainLabels, labelsFile([7, 0, 9], 0x803));
    const fragments = [`${IDX_FILES.trainLabels}${suffix}`, 'bad magic 0x00000803'];
    await expectError(loadIdxDir(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', fragments);
    await expectError(preflightIdx(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', fragments);
  });

  it('rejects a truncated file with INVALID_ARGUMENT naming the file', async () => {
    await writeValid(gzip);
    await write(IDX_FILES.testImages, imagesFile(2).subarray(0, 16 + 784 + 100));
    const fragments = [`${IDX_FILES.testImages}${suffix}`, 'truncated'];
    await expectError(loadIdxDir(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', fragments);
    await expectError(preflightIdx(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', fragments);
  });

  it('rejects an image/label count mismatch', async () => {
    await writeValid(gzip);
    await write(IDX_FILES.trainLabels, labelsFile([7, 0]));
    const fragments = [IDX_FILES.trainImages, IDX_FILES.trainLabels, 'holds 3 images', 'holds 2 labels'];
    await expectError(loadIdxDir(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', fragments);
    await expectError(preflightIdx(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', fragments);
  });

  it('rejects images that are not 28×28', async () => {
    await writeValid(gzip);
    await write(IDX_FILES.trainImages, imagesFile(3, 32, 32));
    const fragments = [IDX_FILES.trainImages, '32×32', '28×28'];
    await expectError(loadIdxDir(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', fragments);
    await expectError(preflightIdx(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', fragments);
  });

  it('rejects a label outside 0..9 when loading', async () => {
    await writeValid(gzip);
    await write(IDX_FILES.testLabels, labelsFile([1, 12]));
    await expectError(loadIdxDir(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', [
      IDX_FILES.testLabels,
      'label 12 at index 1',
    ]);
  });
});

describe('IDX errors independent of compression', () => {
  it('reports a missing file as FAILED_PRECONDITION naming it', async () => {
    await writeValid(false);
    await rm(join(dir, IDX_FILES.testLabels));
    const fragments = [join(dir, IDX_FILES.testLabels), 'not found'];
    await expectError(loadIdxDir(dir, ANY_DATA_DIR), 'FAILED_PRECONDITION', fragments);
    await expectError(preflightIdx(dir, ANY_DATA_DIR), 'FAILED_PRECONDITION', fragments);
  });

  it('refuses a directory outside the data roots before opening it, naming the field and the policy', async () => {
    await writeValid(false);
    const policy = dataRootPolicy(['/nonexistent-root'], 'GRADNOISE_DATA_ROOTS');
    const fragments = ['mlp.data.dir', dir, '/nonexistent-root', 'GRADNOISE_DATA_ROOTS'];
    await expectError(loadIdxDir(dir, policy, 'mlp.data.dir'), 'INVALID_ARGUMENT', fragments);
    await expectError(preflightIdx(dir, policy, 'mlp.data.dir'), 'INVALID_ARGUMENT', fragments);
  });

  it('reports a missing directory as FAILED_PRECONDITION', async () => {
    await expectError(preflightIdx(join(dir, 'absent'), ANY_DATA_DIR), 'FAILED_PRECONDITION', [
      join(dir, 'absent'),
    ]);
  });

  it('reports an unreadable path (a directory in place of a file) as FAILED_PRECONDITION', async () => {
    await writeValid(false);
    await rm(join(dir, IDX_FILES.trainImages));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, IDX_FILES.trainImages));
    await expectError(loadIdxDir(dir, ANY_DATA_DIR), 'FAILED_PRECONDITION', [
      IDX_FILES.trainImages,
      'cannot read',
    ]);
    await expectError(preflightIdx(dir, ANY_DATA_DIR), 'FAILED_PRECONDITION', [
      IDX_FILES.trainImages,
      'cannot read',
    ]);
  });

  it('rejects a corrupt gzip stream', async () => {
    await writeValid(true);
    const corrupt = gzipSync(imagesFile(2));
    corrupt.fill(0xff, 10, 40);
    await writeFile(join(dir, `${IDX_FILES.testImages}.gz`), corrupt);
    await expectError(loadIdxDir(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', [`${IDX_FILES.testImages}.gz`]);
    await expectError(preflightIdx(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', [`${IDX_FILES.testImages}.gz`]);
  });

  it('rejects trailing bytes after the declared data', async () => {
    await writeValid(false);
    await writeFile(
      join(dir, IDX_FILES.trainLabels),
      Buffer.concat([labelsFile([7, 0, 9]), Buffer.from([1])]),
    );
    await expectError(preflightIdx(dir, ANY_DATA_DIR), 'INVALID_ARGUMENT', [
      IDX_FILES.trainLabels,
      'trailing bytes',
    ]);
  });
});
