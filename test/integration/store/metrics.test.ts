import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/core/index.js';
import { openDatabase } from '../../../src/store/client.js';
import type { Store } from '../../../src/store/index.js';
import { MAX_TIME_MS, MIN_TIME_MS } from '../../../src/store/metric-batch.js';
import { createMetricRepository } from '../../../src/store/metrics.js';
import { prismaRunner } from '../../../src/store/sql-runner.js';
import { expectAppError, newRun, sql, useStore } from './fixtures.js';

describe('MetricRepository', () => {
  const t = useStore({ poolSize: 4 });

  const run = async () => (await t.store.runs.create(newRun())).run.id;
  const point = (
    runId: string,
    step: number,
    name: string,
    value = step,
    timeMs = 1_760_000_000_000 + step,
  ) => ({ runId, step, name, value, timeMs }) satisfies MetricPoint;
  const replayAll = async (runId: string, options: Parameters<Store['metrics']['replay']>[1]) => {
    const batches: MetricPoint[][] = [];
    for await (const batch of t.store.metrics.replay(runId, options)) batches.push(batch);
    return batches;
  };

  it('keeps one row per (run, name, step) with the latest value, across and within batches', async () => {
    const runId = await run();
    await t.store.metrics.upsertMany([point(runId, 1, 'loss', 0.5), point(runId, 1, 'acc', 0.1)]);
    await t.store.metrics.upsertMany([point(runId, 1, 'loss', 0.25, 42)]);
    await t.store.metrics.upsertMany([
      point(runId, 2, 'loss', 1),
      point(runId, 2, 'loss', 2),
      point(runId, 2, 'loss', 3),
    ]);
    const rows = await sql<{ step: number; name: string; value: number }>(
      t.db.url,
      'SELECT step, name, value FROM metric_points WHERE run_id = $1 ORDER BY step, name',
      [runId],
    );
    expect(rows).toEqual([
      { step: 1, name: 'acc', value: 0.1 },
      { step: 1, name: 'loss', value: 0.25 },
      { step: 2, name: 'loss', value: 3 },
    ]);
    expect((await replayAll(runId, { sinceStep: 0 })).flat()[1]).toEqual(point(runId, 1, 'loss', 0.25, 42));
  });

  it('round-trips every float8 value exactly, NaN, ±Infinity and -0 included, and the time in ms', async () => {
    const runId = await run();
    const values = [Number.NaN, Infinity, -Infinity, -0, 5e-324, Number.MAX_VALUE, -1 / 3, 0.1 + 0.2];
    // Times before 1970 and before PostgreSQL's own epoch (2000) included.
    const points = values.map((value, i) =>
      point(runId, i + 1, 'x', value, -1_000_000_000_000 + i * 400_000_000_003),
    );
    await t.store.metrics.upsertMany(points);
    const back = (await replayAll(runId, { sinceStep: 0 })).flat();
    expect(back).toEqual(points);
    expect(Object.is(back[3]?.value, -0)).toBe(true);
  });

  it('stores the earliest and the latest time it accepts (PostgreSQL refuses neither)', async () => {
    const runId = await run();
    const points = [point(runId, 1, 'first', 1, MIN_TIME_MS), point(runId, 2, 'last', 2, MAX_TIME_MS)];
    await t.store.metrics.upsertMany(points);
    expect((await replayAll(runId, { sinceStep: 0 })).flat()).toEqual(points);
  });

  it('replays in (step, name) order in bounded batches, after sinceStep, for the chosen names', async () => {
    const runId = await run();
    const other = await run();
    const names = ['b', 'a', 'c/sub', 'A', 'σ_t ü'];
    const points = Array.from({ length: 50 }, (_, s) =>
      names.map((n) => point(runId, s + 1, n, s * 10)),
    ).flat();
    // Insert shuffled, in several calls, so order must come from the query.
    const shuffled = [...points].sort(
      (p, q) => ((p.step * 7919 + p.name.length) % 13) - ((q.step * 7919 + q.name.length) % 13),
    );
    await t.store.metrics.upsertMany(shuffled.slice(0, 77));
    await t.store.metrics.upsertMany(shuffled.slice(77));
    await t.store.metrics.upsertMany([point(other, 3, 'a')]);

    const ordered = (
      await sql<{ step: number; name: string }>(
        t.db.url,
        'SELECT step, name FROM metric_points WHERE run_id = $1 ORDER BY step, name',
        [runId],
      )
    ).map((r) => `${r.step}/${r.name}`);

    const batches = await replayAll(runId, { sinceStep: 0, batchSize: 7 });
    expect(batches.every((b) => b.length <= 7)).toBe(true);
    expect(batches.slice(0, -1).every((b) => b.length === 7)).toBe(true);
    expect(batches.flat().map((p) => `${p.step}/${p.name}`)).toEqual(ordered);
    expect(batches.flat()).toHaveLength(250);

    const since = (await replayAll(runId, { sinceStep: 45, batchSize: 3 })).flat();
    expect(since.map((p) => `${p.step}/${p.name}`)).toEqual(
      ordered.filter((k) => Number(k.split('/')[0]) > 45),
    );

    const some = (await replayAll(runId, { sinceStep: 10, names: ['a', 'c/sub'], batchSize: 4 })).flat();
    expect(some).toHaveLength(80);
    expect(some.every((p) => p.step > 10 && (p.name === 'a' || p.name === 'c/sub'))).toBe(true);
    expect(some.map((p) => `${p.step}/${p.name}`)).toEqual(
      ordered.filter((k) => Number(k.split('/')[0]) > 10 && /\/(a|c\/sub)$/.test(k)),
    );
  });

  it("replays the same points through either SQL runner (pg, or Prisma's raw path used by bench/store.ts)", async () => {
    const runId = await run();
    const points = ['loss', 'σ', 'acc'].flatMap((name) => [1, 2, 3].map((s) => point(runId, s, name, s / 7)));
    await t.store.metrics.upsertMany(points);
    const db = openDatabase({ databaseUrl: t.db.url, poolSize: 1, onError: () => {} });
    try {
      const viaPrisma: MetricPoint[] = [];
      for await (const batch of createMetricRepository(prismaRunner(db.prisma)).replay(runId, {
        sinceStep: 0,
        batchSize: 4,
      }))
        viaPrisma.push(...batch);
      expect(viaPrisma).toEqual((await replayAll(runId, { sinceStep: 0, batchSize: 4 })).flat());
      expect(viaPrisma).toHaveLength(9);
    } finally {
      await db.close();
    }
  });

  it('yields nothing for a run without points, or for sinceStep past the end', async () => {
    const runId = await run();
    expect(await replayAll(runId, { sinceStep: 0 })).toEqual([]);
    // One run spelled in two letter cases is one run.
    await t.store.metrics.upsertMany([point(runId, 1, 'a'), point(runId.toUpperCase(), 2, 'a')]);
    expect((await replayAll(runId, { sinceStep: 0 })).flat().map((p) => p.step)).toEqual([1, 2]);
    // Names are bounded (replay packs their length in 16 bits).
    await expectAppError(
      t.store.metrics.upsertMany([point(runId, 3, 'é'.repeat(513))]),
      'INVALID_ARGUMENT',
      /at most 1024 bytes/,
    );
    await t.store.metrics.upsertMany([point(runId, 5, 'loss')]);
    expect(await replayAll(runId, { sinceStep: 5 })).toEqual([]);
    expect(await replayAll(runId, { sinceStep: -10 })).toHaveLength(1);
  });

  it('maps bad input: unknown or malformed run NOT_FOUND, bad step or batch INVALID_ARGUMENT', async () => {
    const runId = await run();
    await expectAppError(
      t.store.metrics.upsertMany([point('00000000-0000-4000-8000-000000000000', 1, 'x')]),
      'NOT_FOUND',
      /^run "0{8}-.*" not found$/,
    );
    await expectAppError(t.store.metrics.upsertMany([point('nope', 1, 'x')]), 'NOT_FOUND');
    // A batch is all or nothing: one unknown run refuses it whole, and the error names that run.
    const unknown = '00000000-0000-4000-8000-0000000000ff';
    await expectAppError(
      t.store.metrics.upsertMany([point(runId, 1, 'kept?'), point(unknown, 1, 'x')]),
      'NOT_FOUND',
      /^run "0{8}-0000-4000-8000-0000000000ff" not found$/,
    );
    expect(await replayAll(runId, { sinceStep: 0 })).toEqual([]);
    await expectAppError(replayAll('nope', { sinceStep: 0 }), 'NOT_FOUND');
    await expectAppError(
      t.store.metrics.upsertMany([point(runId, 1.5, 'x')]),
      'INVALID_ARGUMENT',
      /^points\[0\]\.step/,
    );
    await expectAppError(
      t.store.metrics.upsertMany([point(runId, 1, 'ok'), point(runId, 2, '')]),
      'INVALID_ARGUMENT',
      /^points\[1\]\.name/,
    );
    for (const timeMs of [Number.NaN, 1e300, -2.2e14]) {
      await expectAppError(
        t.store.metrics.upsertMany([point(runId, 1, 'ok', 1, timeMs)]),
        'INVALID_ARGUMENT',
        /^points\[0\]\.timeMs: .*4714 BC/,
      );
    }
    await expectAppError(replayAll(runId, { sinceStep: 0, batchSize: 0 }), 'INVALID_ARGUMENT', /^batchSize/);
    // Nothing of a rejected batch was stored.
    expect(await replayAll(runId, { sinceStep: 0 })).toEqual([]);
  });

  it('accepts an empty batch', async () => {
    await expect(t.store.metrics.upsertMany([])).resolves.toBeUndefined();
  });
});
