import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/core/index.js';
import { createStore, migrate } from '../../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { bySummaryKey, recomputeSummaries } from '../../helpers/metric-summary.js';
import { sql } from './fixtures.js';

const MIGRATIONS = new URL('../../../prisma/migrations/', import.meta.url).pathname;
const INIT = '20261127000000_init';
const API_TOKENS = '20261128000000_api_tokens';
/** Every migration of prisma/migrations, in the order they apply. */
const METRIC_POINTS_WITHOUT_FK = '20261129000000_metric_points_without_fk';
const RUN_QUEUE_ORDER = '20261130000000_run_queue_order';
const CHECKPOINT_DATA_UNCOMPRESSED = '20261130010000_checkpoint_data_uncompressed';
const NOISE_GENERATOR = '20261201000000_noise_generator';
const RUN_END_REASON = '20261206000000_run_end_reason';
const SWEEP_LIST_ORDER = '20261208000000_sweep_list_order';
const RUN_DISPLAY_NAME = '20261209000000_run_display_name';
const METRIC_SUMMARIES = '20261210000000_metric_summaries';
const RUN_INIT_FROM = '20261211000000_run_init_from';
const SWEEP_EARLY_STOPPING = '20261220000000_sweep_early_stopping';
const RUN_DEVICE = '20261221000000_run_device';
const ALL = [
  INIT,
  API_TOKENS,
  METRIC_POINTS_WITHOUT_FK,
  RUN_QUEUE_ORDER,
  CHECKPOINT_DATA_UNCOMPRESSED,
  NOISE_GENERATOR,
  RUN_END_REASON,
  SWEEP_LIST_ORDER,
  RUN_DISPLAY_NAME,
  METRIC_SUMMARIES,
  RUN_INIT_FROM,
  SWEEP_EARLY_STOPPING,
  RUN_DEVICE,
];

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

describe('migrate', () => {
  let db: TestDatabase;
  let dir: string;

  beforeEach(async () => {
    db = await createTestDatabase({ migrate: false });
    dir = await mkdtemp(join(tmpdir(), 'gradnoise-migrations-'));
  });
  afterEach(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const rows = () => sql<MigrationRow>(db.url, 'SELECT * FROM _prisma_migrations ORDER BY started_at');

  it('applies every migration to a fresh database and records it as prisma migrate does', async () => {
    expect(await migrate(db.url)).toEqual({ applied: ALL, skipped: [] });
    const applied = await rows();
    expect(applied.map((r) => r.migration_name)).toEqual(ALL);
    for (const [i, name] of ALL.entries()) {
      const file = await readFile(join(MIGRATIONS, name, 'migration.sql'));
      const row = applied[i];
      expect(row).toMatchObject({
        migration_name: name,
        checksum: createHash('sha256').update(file).digest('hex'),
        logs: null,
        rolled_back_at: null,
        applied_steps_count: 1,
      });
      expect(row?.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row?.finished_at).toBeInstanceOf(Date);
    }
    const tables = await sql<{ tablename: string }>(
      db.url,
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    expect(tables.map((t) => t.tablename)).toEqual([
      '_prisma_migrations',
      'api_tokens',
      'checkpoints',
      'metric_points',
      'metric_summaries',
      'runs',
      'sweep_rung_entries',
      'sweeps',
    ]);
  });

  it('is a no-op the second time', async () => {
    await migrate(db.url);
    const before = await rows();
    expect(await migrate(db.url)).toEqual({ applied: [], skipped: ALL });
    expect(await rows()).toEqual(before);
  });

  it('lets concurrent replicas start together: one applies, all succeed', async () => {
    const results = await Promise.all([migrate(db.url), migrate(db.url), migrate(db.url), migrate(db.url)]);
    expect(results.filter((r) => r.applied.length === ALL.length)).toHaveLength(1);
    expect(results.filter((r) => r.skipped.length === ALL.length)).toHaveLength(3);
    expect(await rows()).toHaveLength(ALL.length);
  });

  it('applies only the migrations added since the last run, in name order', async () => {
    await cp(join(MIGRATIONS, INIT), join(dir, INIT), { recursive: true });
    await migrate(db.url, { migrationsDir: dir });
    for (const [name, body] of [
      ['20261201000000_b', 'ALTER TABLE runs ADD COLUMN b int;'],
      ['20261130000000_a', 'ALTER TABLE runs ADD COLUMN a int; ALTER TABLE runs ADD COLUMN a2 int;'],
    ] as const) {
      await mkdir(join(dir, name));
      await writeFile(join(dir, name, 'migration.sql'), body);
    }
    expect(await migrate(db.url, { migrationsDir: dir })).toEqual({
      applied: ['20261130000000_a', '20261201000000_b'],
      skipped: [INIT],
    });
    const columns = await sql<{ column_name: string }>(
      db.url,
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'runs' AND column_name IN ('a', 'a2', 'b')`,
    );
    expect(columns).toHaveLength(3);
  });

  it('numbers the runs of an existing database in their (created_at, id) order, and new runs after them', async () => {
    for (const name of [INIT, API_TOKENS, METRIC_POINTS_WITHOUT_FK]) {
      await cp(join(MIGRATIONS, name), join(dir, name), { recursive: true });
    }
    await migrate(db.url, { migrationsDir: dir });
    // Two runs share a millisecond, as a sweep's grid did; the third is older than both.
    const ids = [
      '00000000-0000-4000-8000-00000000000b',
      '00000000-0000-4000-8000-00000000000a',
      '00000000-0000-4000-8000-00000000000c',
    ];
    const times = ['2026-11-01T00:00:00.005Z', '2026-11-01T00:00:00.005Z', '2026-11-01T00:00:00.001Z'];
    for (const [i, id] of ids.entries()) {
      await sql(
        db.url,
        `INSERT INTO runs (id, trainer, spec, status, created_at) VALUES ($1, 'mlp', '{}', 'QUEUED', $2)`,
        [id, times[i]],
      );
    }
    await cp(join(MIGRATIONS, RUN_QUEUE_ORDER), join(dir, RUN_QUEUE_ORDER), { recursive: true });
    expect((await migrate(db.url, { migrationsDir: dir })).applied).toEqual([RUN_QUEUE_ORDER]);
    await sql(db.url, `INSERT INTO runs (id, trainer, spec, status) VALUES ($1, 'mlp', '{}', 'QUEUED')`, [
      '00000000-0000-4000-8000-000000000001',
    ]);
    const order = await sql<{ id: string; queue_seq: string }>(
      db.url,
      'SELECT id, queue_seq FROM runs ORDER BY queue_seq',
    );
    expect(order.map((r) => [r.id.slice(-2), Number(r.queue_seq)])).toEqual([
      ['0c', 1],
      ['0a', 2],
      ['0b', 3],
      ['01', 4],
    ]);
  });

  it('marks the runs and sweeps of an existing database as ziggurat runs, the generator they ran with', async () => {
    for (const name of ALL.slice(0, ALL.indexOf(NOISE_GENERATOR)))
      await cp(join(MIGRATIONS, name), join(dir, name), { recursive: true });
    await migrate(db.url, { migrationsDir: dir });
    const noise = { eta: 0.01, gamma: 0.55, schedule: 'annealed', target: 'gradient', stepsPerTick: 1 };
    const sweep = '00000000-0000-4000-8000-0000000000f0';
    await sql(db.url, `INSERT INTO sweeps (id, project, name, spec) VALUES ($1, 'p', 's', $2)`, [
      sweep,
      JSON.stringify({ name: 's', base: { trainer: 'mlp', noise } }),
    ]);
    for (const [id, spec] of [
      ['00000000-0000-4000-8000-000000000001', { trainer: 'mlp', noise }],
      [
        '00000000-0000-4000-8000-000000000002',
        { trainer: 'mlp', noise: { ...noise, generator: 'box-muller' } },
      ],
      ['00000000-0000-4000-8000-000000000003', {}],
    ] as const) {
      await sql(db.url, `INSERT INTO runs (id, trainer, spec, status) VALUES ($1, 'mlp', $2, 'QUEUED')`, [
        id,
        JSON.stringify(spec),
      ]);
    }
    await cp(join(MIGRATIONS, NOISE_GENERATOR), join(dir, NOISE_GENERATOR), { recursive: true });
    expect((await migrate(db.url, { migrationsDir: dir })).applied).toEqual([NOISE_GENERATOR]);
    const runs = await sql<{ id: string; spec: { noise?: Record<string, unknown> } }>(
      db.url,
      'SELECT id, spec FROM runs ORDER BY id',
    );
    expect(runs.map((r) => r.spec.noise?.generator ?? null)).toEqual(['ziggurat', 'box-muller', null]);
    expect(runs[0]?.spec.noise).toEqual({ ...noise, generator: 'ziggurat' });
    const [stored] = await sql<{ spec: { base: { noise: Record<string, unknown> } } }>(
      db.url,
      'SELECT spec FROM sweeps',
    );
    expect(stored?.spec.base.noise).toEqual({ ...noise, generator: 'ziggurat' });
  });

  it('records that every run completed before end reasons existed ended on its budget', async () => {
    for (const name of ALL.slice(0, ALL.indexOf(RUN_END_REASON)))
      await cp(join(MIGRATIONS, name), join(dir, name), { recursive: true });
    await migrate(db.url, { migrationsDir: dir });
    for (const [i, status] of ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'].entries()) {
      await sql(db.url, `INSERT INTO runs (id, trainer, spec, status) VALUES ($1, 'mlp', '{}', $2)`, [
        `00000000-0000-4000-8000-00000000000${i}`,
        status,
      ]);
    }
    await cp(join(MIGRATIONS, RUN_END_REASON), join(dir, RUN_END_REASON), { recursive: true });
    expect((await migrate(db.url, { migrationsDir: dir })).applied).toEqual([RUN_END_REASON]);
    const runs = await sql<{ status: string; end_reason: string | null }>(
      db.url,
      'SELECT status, end_reason FROM runs ORDER BY id',
    );
    expect(runs).toEqual([
      { status: 'QUEUED', end_reason: null },
      { status: 'RUNNING', end_reason: null },
      { status: 'COMPLETED', end_reason: 'BUDGET' },
      { status: 'FAILED', end_reason: null },
      { status: 'CANCELLED', end_reason: null },
    ]);
  });

  it("backfills every existing run's metric summaries, equal to a recomputation from its points", async () => {
    for (const name of ALL.slice(0, ALL.indexOf(METRIC_SUMMARIES)))
      await cp(join(MIGRATIONS, name), join(dir, name), { recursive: true });
    await migrate(db.url, { migrationsDir: dir });
    const runs = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
    for (const id of runs)
      await sql(
        db.url,
        `INSERT INTO runs (id, trainer, spec, status) VALUES ($1, 'mlp', '{}', 'COMPLETED')`,
        [id],
      );
    const values = [3, 1, Number.NaN, 1, 7, Number.POSITIVE_INFINITY, -2, 7, Number.NEGATIVE_INFINITY];
    const points: MetricPoint[] = [];
    // Different values per run and name: shifted, and some steps left out.
    for (const [r, id] of runs.entries())
      for (const [i, value] of values.entries())
        for (const name of ['loss', 'acc'])
          if ((i + r) % 4 !== 3 || name === 'loss')
            points.push({ runId: id, step: i + 1, name, value: value + r, timeMs: 0 });
    points.push({ runId: runs[0] as string, step: 1, name: 'nan_only', value: Number.NaN, timeMs: 0 });
    for (const p of points)
      await sql(
        db.url,
        'INSERT INTO metric_points (run_id, step, name, value, time) VALUES ($1, $2, $3, $4, now())',
        [p.runId, p.step, p.name, String(p.value)],
      );
    // Points of a deleted run (metric_points has no foreign key) get no summary.
    await sql(
      db.url,
      `INSERT INTO metric_points (run_id, step, name, value, time) VALUES ('00000000-0000-4000-8000-0000000000ff', 1, 'loss', 1, now())`,
    );
    await cp(join(MIGRATIONS, METRIC_SUMMARIES), join(dir, METRIC_SUMMARIES), { recursive: true });
    expect((await migrate(db.url, { migrationsDir: dir })).applied).toEqual([METRIC_SUMMARIES]);
    const store = await createStore({ databaseUrl: db.url, poolSize: 1 });
    try {
      const backfilled = [
        ...(await store.metrics.summaries([...runs, '00000000-0000-4000-8000-0000000000ff'])),
      ];
      expect(backfilled.sort(bySummaryKey)).toEqual(recomputeSummaries(points));
    } finally {
      await store.close();
    }
  });

  it('refuses to run when an applied migration was modified (checksum mismatch)', async () => {
    await cp(join(MIGRATIONS, INIT), join(dir, INIT), { recursive: true });
    await migrate(db.url, { migrationsDir: dir });
    await writeFile(join(dir, INIT, 'migration.sql'), '-- edited\n', { flag: 'a' });
    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toThrow(
      /migration 20261127000000_init was modified after it was applied/,
    );
  });

  it('rolls a failing migration back entirely and records nothing', async () => {
    await mkdir(join(dir, '20260101000000_bad'));
    await writeFile(
      join(dir, '20260101000000_bad', 'migration.sql'),
      'CREATE TABLE half_done (x int);\nSELECT 1 / 0;\n',
    );
    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toThrow(
      /migration 20260101000000_bad failed: division by zero/,
    );
    expect(await rows()).toEqual([]);
    expect(await sql(db.url, `SELECT 1 FROM pg_tables WHERE tablename = 'half_done'`)).toEqual([]);
  });

  it('refuses to run over a migration that prisma recorded as failed', async () => {
    await migrate(db.url);
    await sql(db.url, 'UPDATE _prisma_migrations SET finished_at = NULL');
    await expect(migrate(db.url)).rejects.toThrow(/failed or is still running/);
  });
});
