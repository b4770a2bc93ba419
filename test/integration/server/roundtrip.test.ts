import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../../src/runs/index.js';
import { api } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

describe('a run end to end over gRPC', () => {
  it('starts QUEUED, streams to COMPLETED, and serves a checkpoint whose sha256 matches and parses as safetensors', async () => {
    const client = api(service.client);
    const run = await client.startRun({
      trainer: 'smoke',
      maxSteps: 60,
      seed: 7,
      noise: { eta: 0.01 },
      checkpointEvery: 20,
      labels: { suite: 'roundtrip' },
    });
    expect(run.status).toBe('RUN_STATUS_QUEUED');
    expect(run.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.spec?.maxSteps).toBe('60');
    expect(run.spec?.noise?.gamma).toBe(0.55);

    const messages = await client.streamMetrics({ runId: run.id, sinceStep: 0 });
    const last = messages.at(-1);
    expect(last?.final).toBe(true);
    expect(last?.status).toBe('RUN_STATUS_COMPLETED');
    const points = messages.flatMap((m) => m.points);
    const lossSteps = points.filter((p) => p.name === 'loss').map((p) => Number(p.step));
    expect(lossSteps).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    for (const name of ['grad_norm', 'noise_std', 'test_accuracy']) {
      expect(points.some((p) => p.name === name)).toBe(true);
    }
    // noise_std follows Eq. 1 exactly: sqrt(eta / (1 + t)^gamma), t = step - 1.
    const std = points.find((p) => p.name === 'noise_std' && Number(p.step) === 10)?.value;
    expect(std).toBeCloseTo(Math.sqrt(0.01 / 10 ** 0.55), 12);

    const chunks = await client.getCheckpoint({ runId: run.id, step: 0 });
    const [meta, ...data] = chunks;
    expect(meta?.format).toBe('safetensors');
    expect(meta?.step).toBe('60');
    const bytes = Buffer.concat(data.map((c) => c.data));
    expect(bytes.byteLength).toBe(Number(meta?.sizeBytes));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(meta?.sha256);
    for (const c of data) expect(c.data.byteLength).toBeLessThanOrEqual(1024 * 1024);
    const file = decodeSafetensors(new Uint8Array(bytes));
    const names = [...file.tensors.keys()];
    expect(names.some((n) => n.startsWith('model/'))).toBe(true);
    expect(meta?.tensors.map((t) => t.name).sort()).toEqual([...names].sort());

    const done = await client.getRun({ runId: run.id });
    expect(done.status).toBe('RUN_STATUS_COMPLETED');
    expect(done.backend).toBe('cpu');
    expect(done.attempt).toBe(1);
    expect(done.currentStep).toBe('60');
  });

  it('serves an earlier checkpoint by step, and NOT_FOUND for a step that has none', async () => {
    const client = api(service.client);
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 40, checkpointEvery: 20 });
    await client.streamMetrics({ runId: run.id, sinceStep: 0 });
    const [meta] = await client.getCheckpoint({ runId: run.id, step: 20 });
    expect(meta?.step).toBe('20');
    await expect(client.getCheckpoint({ runId: run.id, step: 21 })).rejects.toMatchObject({ code: 5 });
  });

  it('streams a checkpoint larger than a chunk in 1 MiB pieces at the right offsets', async () => {
    const client = api(service.client);
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 2 });
    await client.streamMetrics({ runId: run.id, sinceStep: 0 });
    // A 2.5 MiB checkpoint at step 9, stored as the worker stores one.
    const data = new Uint8Array(2.5 * 1024 * 1024).map((_, i) => (i * 131 + 7) % 251);
    const sha256 = createHash('sha256').update(data).digest('hex');
    await service.store.checkpoints.save(
      { runId: run.id, step: 9, sizeBytes: data.byteLength, sha256, format: 'safetensors', index: {} },
      data,
    );
    const [meta, ...chunks] = await client.getCheckpoint({ runId: run.id, step: 9 });
    expect(meta).toMatchObject({ step: '9', sizeBytes: String(data.byteLength), sha256 });
    expect(chunks.map((c) => [Number(c.offset), c.data.byteLength])).toEqual([
      [0, 1024 * 1024],
      [1024 * 1024, 1024 * 1024],
      [2 * 1024 * 1024, 512 * 1024],
    ]);
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(Buffer.from(data))).toBe(true);
  });

  it('resumes a download at a byte offset, and refuses an offset beyond the file naming offset', async () => {
    const client = api(service.client);
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 2 });
    await client.streamMetrics({ runId: run.id, sinceStep: 0 });
    const data = new Uint8Array(1.5 * 1024 * 1024).map((_, i) => (i * 17 + 3) % 253);
    const sha256 = createHash('sha256').update(data).digest('hex');
    await service.store.checkpoints.save(
      { runId: run.id, step: 9, sizeBytes: data.byteLength, sha256, format: 'safetensors', index: {} },
      data,
    );
    const from = 1024 * 1024 + 5;
    const [meta, ...chunks] = await client.getCheckpoint({ runId: run.id, step: 9, offset: from });
    expect(meta).toMatchObject({ step: '9', sizeBytes: String(data.byteLength), sha256 });
    expect(chunks.map((c) => Number(c.offset))).toEqual([from]);
    expect(Buffer.concat(chunks.map((c) => c.data)).equals(Buffer.from(data.subarray(from)))).toBe(true);
    await expect(
      client.getCheckpoint({ runId: run.id, step: 9, offset: data.byteLength + 1 }),
    ).rejects.toMatchObject({
      code: 3,
      details: `offset: got ${data.byteLength + 1}; allowed: an integer in [0, size_bytes = ${data.byteLength}] for checkpoint step 9`,
    });
    await expect(client.getCheckpoint({ runId: run.id, step: 9, offset: -1 })).rejects.toMatchObject({
      code: 3,
      details: `offset: got "-1"; allowed: an integer in [0, ${Number.MAX_SAFE_INTEGER}]`,
    });
  });

  it('ends a download with ABORTED when the checkpoint is replaced while it streams', async () => {
    const client = api(service.client);
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 2 });
    await client.streamMetrics({ runId: run.id, sinceStep: 0 });
    const save = (bytes: number, fill: number) => {
      const data = new Uint8Array(bytes).fill(fill);
      const sha256 = createHash('sha256').update(data).digest('hex');
      return service.store.checkpoints.save(
        { runId: run.id, step: 11, sizeBytes: bytes, sha256, format: 'safetensors', index: {} },
        data,
      );
    };
    await save(2.5 * 1024 * 1024, 3);
    const checkpoints = service.store.checkpoints;
    const original = checkpoints.getDataRange.bind(checkpoints);
    // After the first chunk is read, the same step is saved again (a retried attempt's re-save):
    // shorter, or as long with other bytes, which only the hash tells apart.
    for (const [size, fill] of [
      [1024 * 1024 + 10, 4],
      [2.5 * 1024 * 1024, 5],
    ]) {
      await save(2.5 * 1024 * 1024, 3);
      let reads = 0;
      checkpoints.getDataRange = async (...args) => {
        reads += 1;
        if (reads === 2) await save(size as number, fill as number);
        return original(...args);
      };
      try {
        await expect(client.getCheckpoint({ runId: run.id, step: 11 })).rejects.toMatchObject({
          code: status.ABORTED,
          details: expect.stringContaining('changed during the download; retry'),
        });
      } finally {
        checkpoints.getDataRange = original;
      }
    }
  });

  it('lists the trainers with their defaults', async () => {
    const { trainers } = await api(service.client).listTrainers({});
    const names = trainers.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['smoke', 'mlp']));
    const mlp = trainers.find((t) => t.name === 'mlp');
    expect(mlp?.configMessage).toBe('gradnoise.v1.MlpConfig');
    expect(mlp?.defaults?.mlp?.depth).toBe(20);
    expect(mlp?.defaults?.mlp?.width).toBe(50);
    expect(mlp?.defaults?.noise?.eta).toBe(0.01);
    expect(mlp?.defaults?.noise?.gamma).toBe(0.55);
    expect(mlp?.defaults?.noise?.generator).toBe('NOISE_GENERATOR_BOX_MULLER');
  });

  it('echoes the stream version in Run.spec, and that spec sent again reproduces the run', async () => {
    const client = api(service.client);
    const losses = async (request: Parameters<typeof client.startRun>[0]) => {
      const run = await client.startRun(request);
      const messages = await client.streamMetrics({ runId: run.id, sinceStep: 0 });
      expect(messages.at(-1)?.status).toBe('RUN_STATUS_COMPLETED');
      const points = messages.flatMap((m) => m.points).filter((p) => p.name === 'loss');
      return { run, values: points.map((p) => p.value) };
    };
    const base = { trainer: 'smoke', maxSteps: 8, seed: 5, noise: { eta: 0.5 } };
    const current = await losses(base);
    expect(current.run.spec?.streamVersion).toBe(2);
    const v1 = await losses({ ...base, streamVersion: 1 });
    expect(v1.run.spec?.streamVersion).toBe(1);
    expect(v1.values).not.toEqual(current.values);

    const again = await losses({ ...(v1.run.spec ?? {}), requestId: '' });
    expect(again.run.spec).toEqual(v1.run.spec);
    expect(again.values).toEqual(v1.values);
  });
});
