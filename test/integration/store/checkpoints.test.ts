import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectAppError, newRun, sql, useStore } from './fixtures.js';

describe('CheckpointRepository', () => {
  const t = useStore({ poolSize: 2 });

  const bytes = (n: number, salt: number) => new Uint8Array(n).map((_, i) => (i * 31 + salt) % 256);
  const meta = (runId: string, step: number, data: Uint8Array) => ({
    runId,
    step,
    sizeBytes: data.byteLength,
    sha256: createHash('sha256').update(data).digest('hex'),
    format: 'safetensors',
    index: { 'w/0': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } },
  });

  it('stores bytes and metadata per step; step 0 reads the latest', async () => {
    const { run } = await t.store.runs.create(newRun());
    const early = bytes(1000, 1);
    const late = bytes(70_000, 2);
    await t.store.checkpoints.save(meta(run.id, 500, late), late);
    await t.store.checkpoints.save(meta(run.id, 100, early), early);

    const latest = await t.store.checkpoints.getMeta(run.id, 0);
    expect(latest).toEqual({ ...meta(run.id, 500, late), createdAt: expect.any(Date) });
    expect((await t.store.checkpoints.getMeta(run.id, 100))?.sha256).toBe(meta(run.id, 100, early).sha256);
    expect(Buffer.from(await t.store.checkpoints.getData(run.id, 500)).equals(Buffer.from(late))).toBe(true);
    expect(Buffer.from(await t.store.checkpoints.getData(run.id, 100)).equals(Buffer.from(early))).toBe(true);
  });

  it('replaces a checkpoint saved again at the same step', async () => {
    const { run } = await t.store.runs.create(newRun());
    await t.store.checkpoints.save(meta(run.id, 10, bytes(10, 1)), bytes(10, 1));
    await t.store.checkpoints.save(meta(run.id, 10, bytes(20, 2)), bytes(20, 2));
    expect((await t.store.checkpoints.getMeta(run.id, 10))?.sizeBytes).toBe(20);
    expect(await t.store.checkpoints.getData(run.id, 10)).toEqual(bytes(20, 2));
  });

  it('returns null meta and NOT_FOUND data for what does not exist', async () => {
    const { run } = await t.store.runs.create(newRun());
    expect(await t.store.checkpoints.getMeta(run.id, 0)).toBeNull();
    expect(await t.store.checkpoints.getMeta(run.id, 7)).toBeNull();
    expect(await t.store.checkpoints.getMeta('not-a-uuid', 0)).toBeNull();
    await expectAppError(t.store.checkpoints.getData(run.id, 7), 'NOT_FOUND', /checkpoint at step 7 of run/);
    await expectAppError(t.store.checkpoints.getData('not-a-uuid', 7), 'NOT_FOUND');
  });

  it('reads a checkpoint by byte ranges that add up to it, stored uncompressed out of line', async () => {
    const { run } = await t.store.runs.create(newRun());
    // 2.5 MiB: three 1 MiB chunks, the last one short.
    const data = bytes(2.5 * 1024 * 1024, 7);
    const saved = meta(run.id, 300, data);
    await t.store.checkpoints.save(saved, data);
    const MiB = 1024 * 1024;
    const range = async (offset: number, length: number, sha256 = saved.sha256) =>
      t.store.checkpoints.getDataRange(run.id, 300, sha256, offset, length);
    const parts: Uint8Array[] = [];
    for (let offset = 0; offset < data.byteLength; offset += MiB)
      parts.push((await range(offset, MiB)) ?? new Uint8Array());
    expect(parts.map((p) => p.byteLength)).toEqual([MiB, MiB, MiB / 2]);
    expect(Buffer.concat(parts).equals(Buffer.from(data))).toBe(true);
    expect((await range(data.byteLength, MiB))?.byteLength).toBe(0);
    expect(Buffer.from((await range(5, 3)) ?? [])).toEqual(Buffer.from(data.subarray(5, 8)));
    // Another step, another file's hash, or no such run: nothing to read.
    expect(await t.store.checkpoints.getDataRange(run.id, 301, saved.sha256, 0, 10)).toBeNull();
    expect(await range(0, 10, 'ab'.repeat(32))).toBeNull();
    expect(await t.store.checkpoints.getDataRange('not-a-uuid', 300, saved.sha256, 0, 10)).toBeNull();
    await expectAppError(range(-1, 10), 'INVALID_ARGUMENT', /^offset/);
    await expectAppError(range(0, 0.5), 'INVALID_ARGUMENT', /^length/);
    await expectAppError(range(2 ** 30 + 1, 1), 'INVALID_ARGUMENT', /^offset/);
    const [storage] = await sql<{ attstorage: string }>(
      t.db.url,
      `SELECT attstorage FROM pg_attribute WHERE attrelid = 'checkpoints'::regclass AND attname = 'data'`,
    );
    expect(storage?.attstorage).toBe('e'); // EXTERNAL: out of line, never compressed
  });

  it('rejects an unknown run, a size that does not match the data, and a bad step', async () => {
    const { run } = await t.store.runs.create(newRun());
    const data = bytes(8, 0);
    await expectAppError(
      t.store.checkpoints.save(meta('00000000-0000-4000-8000-000000000000', 1, data), data),
      'NOT_FOUND',
    );
    await expectAppError(
      t.store.checkpoints.save({ ...meta(run.id, 1, data), sizeBytes: 9 }, data),
      'INVALID_ARGUMENT',
      /^sizeBytes/,
    );
    await expectAppError(t.store.checkpoints.getMeta(run.id, -1), 'INVALID_ARGUMENT', /^step/);
  });
});
