import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/store/client.js';
import { openDatabase } from '../../../src/store/client.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { makeSpec, sql } from './fixtures.js';

// Proves that prisma/schema.prisma and the hand-written migration SQL agree: every model goes
// through the generated client into the migrated database and back, field by field.
describe('schema.prisma against the migrated database', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = openDatabase({ databaseUrl: testDb.url, poolSize: 2, onError: () => {} });
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  it('round-trips a Sweep and a Run with every field set', async () => {
    const sweep = {
      id: '6f1c2a34-0000-4000-8000-000000000001',
      project: 'proj',
      requestId: 'sweep-req',
      name: 'eta grid',
      spec: { grid: { eta: [0.01, 0.3, 1] } },
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
    };
    expect(await db.prisma.sweep.create({ data: sweep })).toEqual(sweep);
    expect(await db.prisma.sweep.findUnique({ where: { id: sweep.id } })).toEqual(sweep);

    // The checkpoint the run starts from (its init_from, a key onto checkpoints).
    const parent = await db.prisma.run.create({ data: { trainer: 'mlp', spec: {}, status: 'COMPLETED' } });
    const parentCheckpoint = {
      runId: parent.id,
      step: 40,
      sizeBytes: 1,
      sha256: '00'.repeat(32),
      format: 'safetensors',
      index: {},
      data: new Uint8Array([1]),
    };
    await db.prisma.checkpoint.create({ data: parentCheckpoint });
    const run = {
      id: '6f1c2a34-0000-4000-8000-000000000002',
      project: 'proj',
      requestId: 'run-req',
      trainer: 'mlp',
      displayName: 'baseline, ünïcode',
      spec: JSON.parse(JSON.stringify(makeSpec())) as object,
      status: 'RUNNING' as const,
      labels: { arm: 'noise', 'ü-key': 'ünïcode' },
      backend: 'webgpu',
      device: 'mesa software: llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) (software adapter), ünïcode',
      attempt: 2,
      error: 'previous attempt failed',
      endReason: 'SOLVED' as const,
      currentStep: 123_456,
      cancelRequested: true,
      owner: 'replica-a',
      leaseExpiresAt: new Date('2026-01-02T03:05:00.001Z'),
      sweepId: sweep.id,
      createdAt: new Date('2026-01-02T03:04:06.000Z'),
      updatedAt: new Date('2026-01-02T03:04:07.000Z'),
      startedAt: new Date('2026-01-02T03:04:08.000Z'),
      finishedAt: new Date('2026-01-02T03:04:09.000Z'),
      queueSeq: 9_007_199_254_740_993n,
      initFromRunId: parent.id,
      initFromStep: 40,
      initFromMode: 'FULL' as const,
    };
    await db.prisma.run.create({ data: run });
    expect(await db.prisma.run.findUnique({ where: { id: run.id } })).toEqual(run);
    expect(
      await db.prisma.checkpoint.findUnique({
        where: { runId_step: { runId: parent.id, step: 40 } },
        select: { startedRuns: { select: { id: true } } },
      }),
    ).toEqual({ startedRuns: [{ id: run.id }] });
    // The key keeps the checkpoint while the run names it.
    await expect(
      db.prisma.checkpoint.delete({ where: { runId_step: { runId: parent.id, step: 40 } } }),
    ).rejects.toMatchObject({ code: 'P2003' });
    expect(
      await db.prisma.run.findUnique({
        where: { project_requestId: { project: 'proj', requestId: 'run-req' } },
        select: { sweep: true },
      }),
    ).toEqual({ sweep });
  });

  it('round-trips an ASHA rung entry and a STOPPED_EARLY run', async () => {
    const sweep = await db.prisma.sweep.create({ data: { project: 'proj', name: 'asha', spec: {} } });
    const run = await db.prisma.run.create({
      data: { trainer: 'smoke', spec: {}, status: 'STOPPED_EARLY', sweepId: sweep.id },
    });
    expect(run.status).toBe('STOPPED_EARLY');
    const entry = {
      sweepId: sweep.id,
      runId: run.id,
      arm: 'no_noise',
      rung: 2,
      step: 90,
      value: null,
      stop: true,
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
    };
    expect(await db.prisma.sweepRungEntry.create({ data: entry })).toEqual(entry);
    const key = { sweepId_runId_rung: { sweepId: sweep.id, runId: run.id, rung: 2 } };
    expect(await db.prisma.sweepRungEntry.findUnique({ where: key })).toEqual(entry);
    // Deleting the run deletes its entries.
    await db.prisma.run.delete({ where: { id: run.id } });
    expect(await db.prisma.sweepRungEntry.count({ where: { sweepId: sweep.id } })).toBe(0);
  });

  it('applies the column defaults the schema declares', async () => {
    const run = await db.prisma.run.create({ data: { trainer: 'mlp', spec: {}, status: 'QUEUED' } });
    expect(run).toMatchObject({
      project: 'default',
      requestId: null,
      displayName: '',
      labels: {},
      backend: null,
      device: null,
      attempt: 0,
      error: null,
      endReason: null,
      currentStep: 0,
      cancelRequested: false,
      owner: null,
      leaseExpiresAt: null,
      sweepId: null,
      startedAt: null,
      finishedAt: null,
      initFromRunId: null,
      initFromStep: null,
      initFromMode: null,
    });
    expect(run.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof run.queueSeq).toBe('bigint');
    // Defaults the database itself fills (raw inserts bypass Prisma's client-side defaults).
    const [raw] = await sql<{
      id: string;
      project: string;
      labels: object;
      display_name: string;
      created_at: Date;
    }>(
      testDb.url,
      `INSERT INTO runs (trainer, spec, status) VALUES ('mlp', '{}', 'QUEUED')
       RETURNING id, project, labels, display_name, created_at`,
    );
    expect(raw).toMatchObject({ project: 'default', labels: {}, display_name: '' });
    expect(raw?.created_at).toBeInstanceOf(Date);
  });

  it('round-trips MetricPoint values, NaN and ±Infinity included', async () => {
    const run = await db.prisma.run.create({ data: { trainer: 'mlp', spec: {}, status: 'RUNNING' } });
    // Prisma writes floats as decimal text: -0 comes back 0 and Number.MAX_VALUE rounds past the
    // float8 range. The metric hot path goes through pg, which keeps both (metrics.test.ts).
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324, 1e300, 0.1];
    const points = values.map((value, i) => ({
      runId: run.id,
      step: i + 1,
      name: 'train/loss',
      value,
      time: new Date(1_760_000_000_000 + i),
    }));
    // One create each: Prisma 7.10's createMany stores every non-finite value as Infinity.
    for (const point of points) await db.prisma.metricPoint.create({ data: point });
    const back = await db.prisma.metricPoint.findMany({ where: { runId: run.id }, orderBy: { step: 'asc' } });
    expect(back).toEqual(points);
    expect(back.map((p) => p.value)).toEqual(values);
  });

  it('round-trips a MetricSummary with every field set, and with the finite pairs null', async () => {
    const run = await db.prisma.run.create({ data: { trainer: 'mlp', spec: {}, status: 'RUNNING' } });
    const full = {
      runId: run.id,
      name: 'loss',
      count: 2n ** 40n,
      nonFiniteCount: 3n,
      lastStep: 2 ** 31 - 1,
      lastValue: Number.NaN,
      lastFiniteStep: 7,
      lastFiniteValue: -0.5,
      minStep: 1,
      minValue: -1e300,
      maxStep: 2,
      maxValue: 1e300,
    };
    const bare = {
      ...full,
      name: 'x',
      lastValue: Number.NEGATIVE_INFINITY,
      lastFiniteStep: null,
      lastFiniteValue: null,
      minStep: null,
      minValue: null,
      maxStep: null,
      maxValue: null,
    };
    for (const summary of [full, bare]) await db.prisma.metricSummary.create({ data: summary });
    const back = await db.prisma.metricSummary.findMany({
      where: { runId: run.id },
      orderBy: { name: 'asc' },
    });
    expect(back).toEqual([full, bare]);
    // Deleted with its run (a foreign key, unlike metric_points).
    await db.prisma.run.delete({ where: { id: run.id } });
    expect(await db.prisma.metricSummary.count({ where: { runId: run.id } })).toBe(0);
  });

  it('round-trips a Checkpoint with every byte value', async () => {
    const run = await db.prisma.run.create({ data: { trainer: 'mlp', spec: {}, status: 'RUNNING' } });
    const data = new Uint8Array(512).map((_, i) => (i * 7) % 256);
    const checkpoint = {
      runId: run.id,
      step: 100,
      sizeBytes: data.byteLength,
      sha256: 'ab'.repeat(32),
      format: 'safetensors',
      index: { 'dense/kernel': { dtype: 'F32', shape: [784, 50], data_offsets: [0, 156800] } },
      data,
      createdAt: new Date('2026-01-02T03:04:05.000Z'),
    };
    await db.prisma.checkpoint.create({ data: checkpoint });
    const back = await db.prisma.checkpoint.findUnique({
      where: { runId_step: { runId: run.id, step: 100 } },
    });
    expect(back).toEqual(checkpoint);
    expect(Buffer.from(back?.data ?? []).equals(Buffer.from(data))).toBe(true);
  });

  it('round-trips an ApiToken with every field set, and fills its defaults', async () => {
    const token = {
      id: '6f1c2a34-0000-4000-8000-0000000000a1',
      project: 'proj',
      name: 'ci job',
      tokenSha256: 'cd'.repeat(32),
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
      revokedAt: new Date('2026-01-03T00:00:00.001Z'),
    };
    expect(await db.prisma.apiToken.create({ data: token })).toEqual(token);
    expect(await db.prisma.apiToken.findUnique({ where: { tokenSha256: token.tokenSha256 } })).toEqual(token);
    const fresh = await db.prisma.apiToken.create({
      data: { project: 'proj', name: 'second', tokenSha256: 'ef'.repeat(32) },
    });
    expect(fresh).toMatchObject({ revokedAt: null, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(fresh.createdAt).toBeInstanceOf(Date);
    // The hash is unique: one token cannot open two projects.
    await expect(
      db.prisma.apiToken.create({ data: { project: 'other', name: 'dup', tokenSha256: token.tokenSha256 } }),
    ).rejects.toMatchObject({ code: 'P2002' });
  });

  it("deletes a run's metric points with the run (a trigger, as metric_points has no foreign key)", async () => {
    const runId = '6f1c2a34-0000-4000-8000-0000000000aa';
    await sql(testDb.url, `INSERT INTO runs (id, trainer, spec, status) VALUES ($1, 'mlp', '{}', 'QUEUED')`, [
      runId,
    ]);
    await sql(
      testDb.url,
      `INSERT INTO metric_points (run_id, step, name, value, time) VALUES ($1, 1, 'loss', 1, now()), ($1, 2, 'loss', 2, now())`,
      [runId],
    );
    await sql(testDb.url, 'DELETE FROM runs WHERE id = $1', [runId]);
    expect(await sql(testDb.url, 'SELECT 1 FROM metric_points WHERE run_id = $1', [runId])).toEqual([]);
  });

  it('has the constraints and indexes the schema names', async () => {
    const indexes = await sql<{ indexname: string }>(
      testDb.url,
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'api_tokens_pkey',
      'api_tokens_project_idx',
      'api_tokens_token_sha256_key',
      'checkpoints_pkey',
      'metric_points_pkey',
      'metric_summaries_pkey',
      'runs_init_from_run_id_init_from_step_idx',
      'runs_labels_idx',
      'runs_pkey',
      'runs_project_created_at_id_idx',
      'runs_project_request_id_key',
      'runs_status_queue_seq_idx',
      'runs_sweep_id_idx',
      'sweep_rung_entries_pkey',
      'sweep_rung_entries_run_id_idx',
      'sweeps_pkey',
      'sweeps_project_created_at_id_idx',
      'sweeps_project_request_id_key',
    ]);
    const keys = await sql<{ name: string; def: string }>(
      testDb.url,
      `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
       WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1`,
    );
    expect(keys).toEqual([
      {
        name: 'checkpoints_run_id_fkey',
        def: expect.stringMatching(/REFERENCES runs\(id\).*ON DELETE CASCADE/),
      },
      {
        name: 'metric_summaries_run_id_fkey',
        def: expect.stringMatching(/REFERENCES runs\(id\).*ON DELETE CASCADE/),
      },
      {
        name: 'runs_init_from_run_id_init_from_step_fkey',
        def: expect.stringMatching(
          /FOREIGN KEY \(init_from_run_id, init_from_step\) REFERENCES checkpoints\(run_id, step\).*ON DELETE RESTRICT/,
        ),
      },
      {
        name: 'runs_sweep_id_fkey',
        def: expect.stringMatching(/REFERENCES sweeps\(id\).*ON DELETE SET NULL/),
      },
      {
        name: 'sweep_rung_entries_run_id_fkey',
        def: expect.stringMatching(/REFERENCES runs\(id\).*ON DELETE CASCADE/),
      },
      {
        name: 'sweep_rung_entries_sweep_id_fkey',
        def: expect.stringMatching(/REFERENCES sweeps\(id\).*ON DELETE CASCADE/),
      },
    ]);
  });
});
