import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError, notFound } from '../../../src/core/index.js';
import {
  CHECKPOINT_CHUNK_BYTES,
  type CheckpointChunk,
  type CheckpointDownloadDeps,
  openCheckpointDownload,
} from '../../../src/runs/index.js';
import type { CheckpointMeta } from '../../../src/store/index.js';

const RUN = 'run-a';

/**
 * In-memory stand-ins for the two repositories with the store's rules: `get` is NOT_FOUND outside
 * the run's project, `getMeta(_, 0)` is the latest step, `getDataRange` is null once the hash
 * no longer matches. Records every range read.
 */
class FakeStore implements CheckpointDownloadDeps {
  readonly saved = new Map<number, { meta: CheckpointMeta; data: Uint8Array }>();
  readonly reads: { offset: number; length: number }[] = [];
  readonly runs = {
    get: async (project: string, id: string) => {
      if (project !== 'alpha' || id !== RUN) throw notFound('run', id);
      return {} as never;
    },
  };
  readonly checkpoints = {
    getMeta: async (runId: string, step: number) => {
      if (runId !== RUN) return null;
      const at = step === 0 ? Math.max(-1, ...this.saved.keys()) : step;
      return this.saved.get(at)?.meta ?? null;
    },
    getDataRange: async (runId: string, step: number, sha256: string, offset: number, length: number) => {
      this.reads.push({ offset, length });
      const entry = this.saved.get(step);
      if (runId !== RUN || entry === undefined || entry.meta.sha256 !== sha256) return null;
      return entry.data.subarray(offset, offset + length);
    },
  };

  save(step: number, sizeBytes: number): Uint8Array {
    const data = new Uint8Array(sizeBytes).map((_, i) => (i * 31 + step) & 0xff);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const meta = {
      runId: RUN,
      step,
      sizeBytes,
      sha256,
      format: 'safetensors',
      index: {},
      createdAt: new Date(0),
    };
    this.saved.set(step, { meta, data });
    return data;
  }
}

async function collect(chunks: AsyncIterable<CheckpointChunk>): Promise<CheckpointChunk[]> {
  const out: CheckpointChunk[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

const alpha = (step: number) => ({ project: 'alpha', runId: RUN, step });

describe('openCheckpointDownload', () => {
  it('resolves step 0 to the latest checkpoint, and a given step to that one', async () => {
    const store = new FakeStore();
    store.save(10, 5);
    store.save(30, 5);
    store.save(20, 5);
    expect((await openCheckpointDownload(store, alpha(0))).meta.step).toBe(30);
    expect((await openCheckpointDownload(store, alpha(20))).meta.step).toBe(20);
  });

  it('sends the file in order in chunks of at most 1 MiB, reading one chunk per chunk sent', async () => {
    const store = new FakeStore();
    const data = store.save(5, 2 * CHECKPOINT_CHUNK_BYTES + 12_345);
    const download = await openCheckpointDownload(store, alpha(0));
    expect(store.reads).toEqual([]);
    const chunks = await collect(download.chunks());
    expect(chunks.map((c) => [c.offset, c.data.byteLength])).toEqual([
      [0, CHECKPOINT_CHUNK_BYTES],
      [CHECKPOINT_CHUNK_BYTES, CHECKPOINT_CHUNK_BYTES],
      [2 * CHECKPOINT_CHUNK_BYTES, 12_345],
    ]);
    expect(CHECKPOINT_CHUNK_BYTES).toBeLessThanOrEqual(1024 * 1024);
    expect(store.reads).toHaveLength(3);
    expect(store.reads.every((r) => r.length <= 1024 * 1024)).toBe(true);
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(Buffer.from(data))).toBe(true);
  });

  it('is NOT_FOUND for an unknown run, a run of another project, or a step with no checkpoint', async () => {
    const store = new FakeStore();
    store.save(10, 5);
    await expect(openCheckpointDownload(store, { ...alpha(0), runId: 'run-b' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // The checkpoint exists, but checkpoints are keyed by run id alone: the project check guards it.
    await expect(openCheckpointDownload(store, { ...alpha(10), project: 'beta' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(openCheckpointDownload(store, alpha(11))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'checkpoint at step 11 of run "run-a" not found',
    });
    const empty = new FakeStore();
    await expect(openCheckpointDownload(empty, alpha(0))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'checkpoint of run "run-a" not found',
    });
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])(
    'refuses step %s with INVALID_ARGUMENT naming step',
    async (step) => {
      const store = new FakeStore();
      store.save(10, 5);
      const error = await openCheckpointDownload(store, alpha(step)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((error as AppError).message).toMatch(/^step: got .*; allowed: an integer in \[0, /);
    },
  );

  it('starts at a byte offset, reading only from there; offset = size sends no chunk', async () => {
    const store = new FakeStore();
    const data = store.save(5, CHECKPOINT_CHUNK_BYTES + 100);
    const from = (offset: number) => openCheckpointDownload(store, { ...alpha(5), offset });
    const chunks = await collect((await from(77)).chunks());
    expect(chunks.map((c) => [c.offset, c.data.byteLength])).toEqual([
      [77, CHECKPOINT_CHUNK_BYTES],
      [CHECKPOINT_CHUNK_BYTES + 77, 23],
    ]);
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(Buffer.from(data.subarray(77)))).toBe(true);
    expect(store.reads[0]).toEqual({ offset: 77, length: CHECKPOINT_CHUNK_BYTES });
    expect(await collect((await from(CHECKPOINT_CHUNK_BYTES + 100)).chunks())).toEqual([]);
  });

  it.each([
    [-1, /^offset: got -1; allowed: an integer >= 0/],
    [0.5, /^offset: got 0\.5; allowed: an integer >= 0/],
    [6, /^offset: got 6; allowed: an integer in \[0, size_bytes = 5\] for checkpoint step 10$/],
  ])('refuses offset %s with INVALID_ARGUMENT naming offset', async (offset, message) => {
    const store = new FakeStore();
    store.save(10, 5);
    const error = await openCheckpointDownload(store, { ...alpha(10), offset }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((error as AppError).message).toMatch(message);
  });

  it('aborts when the checkpoint is saved again at that step during the download', async () => {
    const store = new FakeStore();
    store.save(10, CHECKPOINT_CHUNK_BYTES + 1);
    const download = await openCheckpointDownload(store, alpha(10));
    const chunks = download.chunks()[Symbol.asyncIterator]();
    expect((await chunks.next()).done).toBe(false);
    store.save(10, CHECKPOINT_CHUNK_BYTES + 2);
    await expect(chunks.next()).rejects.toMatchObject({
      code: 'ABORTED',
      message: expect.stringContaining('checkpoint at step 10 of run run-a changed during the download'),
    });
  });
});
