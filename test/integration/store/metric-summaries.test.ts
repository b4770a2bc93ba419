import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/core/index.js';
import type { MetricPageQuery, MetricSummary } from '../../../src/store/types.js';
import { bySummaryKey, recomputeSummaries } from '../../helpers/metric-summary.js';
import { mulberry32 } from '../../helpers/random.js';
import { expectAppError, newRun, sql, useStore } from './fixtures.js';

const ALL_STEPS = { names: [], fromStep: 0, toStep: 2 ** 31 - 1 } satisfies MetricPageQuery;

describe('stored metric summaries', () => {
  const t = useStore({ poolSize: 4 });

  const run = async () => (await t.store.runs.create(newRun())).run.id;
  const point = (runId: string, step: number, name: string, value: number): MetricPoint => ({
    runId,
    step,
    name,
    value,
    timeMs: 1_760_000_000_000 + step,
  });
  const stored = async (runIds: readonly string[]) =>
    [...(await t.store.metrics.summaries(runIds))].sort(bySummaryKey);
  /** Every stored point of the runs, read back through replay. */
  const storedPoints = async (runIds: readonly string[]) => {
    const points: MetricPoint[] = [];
    for (const id of runIds)
      for await (const batch of t.store.metrics.replay(id, { sinceStep: -1 })) points.push(...batch);
    return points;
  };

  it('summarises new points: counts, last, last finite, and the first step of the finite min and max', async () => {
    const id = await run();
    await t.store.metrics.upsertMany([
      point(id, 1, 'loss', 3),
      point(id, 2, 'loss', 1),
      point(id, 3, 'loss', 5),
      point(id, 4, 'loss', 1),
      point(id, 1, 'acc', 0.5),
    ]);
    await t.store.metrics.upsertMany([point(id, 5, 'loss', Number.NaN), point(id, 6, 'loss', 5)]);
    await t.store.metrics.upsertMany([point(id, 7, 'loss', Number.POSITIVE_INFINITY)]);
    const expected: MetricSummary[] = [
      {
        runId: id,
        name: 'acc',
        count: 1,
        nonFiniteCount: 0,
        last: { step: 1, value: 0.5 },
        lastFinite: { step: 1, value: 0.5 },
        min: { step: 1, value: 0.5 },
        max: { step: 1, value: 0.5 },
      },
      {
        runId: id,
        name: 'loss',
        count: 7,
        nonFiniteCount: 2,
        last: { step: 7, value: Number.POSITIVE_INFINITY },
        lastFinite: { step: 6, value: 5 },
        min: { step: 2, value: 1 },
        max: { step: 3, value: 5 },
      },
    ];
    expect(await stored([id])).toEqual(expected);
    expect(await t.store.metrics.summaries([id], ['loss'])).toEqual([expected[1]]);
  });

  it('leaves the finite fields null for a metric with no finite value', async () => {
    const id = await run();
    await t.store.metrics.upsertMany([point(id, 1, 'x', Number.NaN), point(id, 2, 'x', -Infinity)]);
    expect(await stored([id])).toEqual([
      {
        runId: id,
        name: 'x',
        count: 2,
        nonFiniteCount: 2,
        last: { step: 2, value: -Infinity },
        lastFinite: null,
        min: null,
        max: null,
      },
    ]);
  });

  it('recomputes when an upsert replaces the min, the max or the last value of a stored step', async () => {
    const id = await run();
    await t.store.metrics.upsertMany([
      point(id, 1, 'loss', 0),
      point(id, 2, 'loss', 9),
      point(id, 3, 'loss', 4),
    ]);
    // A resumed attempt re-posts steps 2 and 3 with other values (and 1 with the same): the old max
    // (9 at step 2) is gone, and so is the last value; a merge could not know either.
    await t.store.metrics.upsertMany([
      point(id, 1, 'loss', 0),
      point(id, 2, 'loss', 2),
      point(id, 3, 'loss', Number.NaN),
    ]);
    const [summary] = await stored([id]);
    expect(summary).toEqual({
      runId: id,
      name: 'loss',
      count: 3,
      nonFiniteCount: 1,
      last: { step: 3, value: Number.NaN },
      lastFinite: { step: 2, value: 2 },
      min: { step: 1, value: 0 },
      max: { step: 2, value: 2 },
    });
  });

  it('equals a recomputation from the stored points after random batches of new and replaced points', async () => {
    const pool = [0, 1, 1, 2, -3, 0.5, 1e300, -1e-300, Number.NaN, Infinity, -Infinity];
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = mulberry32(seed);
      const runs = [await run(), await run()];
      for (let b = 0; b < 12; b += 1) {
        const size = 1 + Math.floor(random() * 15);
        const batch = Array.from({ length: size }, () =>
          point(
            runs[Math.floor(random() * runs.length)] as string,
            Math.floor(random() * 12),
            ['loss', 'acc', 'grad_norm'][Math.floor(random() * 3)] as string,
            pool[Math.floor(random() * pool.length)] as number,
          ),
        );
        await t.store.metrics.upsertMany(batch);
        const expected = recomputeSummaries(await storedPoints(runs));
        expect(await stored(runs), `seed ${seed}, batch ${b}`).toEqual(expected);
      }
    }
  });

  it('stays exact when batches of the same runs are written concurrently, some replacing points', async () => {
    const runs = [await run(), await run()];
    const random = mulberry32(11);
    const batches = Array.from({ length: 16 }, (_, b) =>
      Array.from({ length: 40 }, (_, i) =>
        point(
          runs[(b + i) % 2] as string,
          // Half the batches write new steps, half rewrite the first steps.
          b % 2 === 0 ? 1 + b * 40 + i : 1 + (i % 20),
          i % 3 === 0 ? 'acc' : 'loss',
          Math.round(random() * 1000) / 10,
        ),
      ),
    );
    await Promise.all(batches.map((batch) => t.store.metrics.upsertMany(batch)));
    expect(await stored(runs)).toEqual(recomputeSummaries(await storedPoints(runs)));
  });

  it('deletes the summaries with their run', async () => {
    const id = await run();
    await t.store.metrics.upsertMany([point(id, 1, 'loss', 1)]);
    await sql(t.db.url, 'DELETE FROM runs WHERE id = $1', [id]);
    expect(await t.store.metrics.summaries([id])).toEqual([]);
  });

  it('writes no summary for a batch refused for an unknown run', async () => {
    const id = await run();
    const unknown = '00000000-0000-4000-8000-0000000000ee';
    await expectAppError(
      t.store.metrics.upsertMany([point(id, 1, 'loss', 1), point(unknown, 1, 'loss', 1)]),
      'NOT_FOUND',
    );
    expect(await t.store.metrics.summaries([id, unknown])).toEqual([]);
  });
});

describe('MetricRepository.page', () => {
  const t = useStore({ poolSize: 2 });

  const seed = async () => {
    const id = (await t.store.runs.create(newRun())).run.id;
    const points: MetricPoint[] = [];
    for (let step = 1; step <= 30; step += 1)
      for (const name of ['acc', 'loss', 'noise_std'])
        points.push({ runId: id, step, name, value: step * 0.5, timeMs: 1_760_000_000_000 + step });
    await t.store.metrics.upsertMany(points);
    return { id, points };
  };

  const readAll = async (id: string, query: MetricPageQuery, pageSize: number) => {
    const out: MetricPoint[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await t.store.metrics.page(id, query, pageSize, token);
      expect(page.items.length).toBeLessThanOrEqual(pageSize);
      out.push(...page.items);
      token = page.nextPageToken;
      pages += 1;
    } while (token !== '');
    return { out, pages };
  };

  it('pages through the points of the names and steps asked for, in (step, name) order', async () => {
    const { id, points } = await seed();
    expect((await readAll(id, ALL_STEPS, 7)).out).toEqual(points);
    const query = { names: ['loss', 'acc'], fromStep: 5, toStep: 12 };
    const { out, pages } = await readAll(id, query, 4);
    expect(out).toEqual(points.filter((p) => p.name !== 'noise_std' && p.step >= 5 && p.step <= 12));
    expect(pages).toBe(4);
    // A full last page says so: no token to an empty page.
    expect((await readAll(id, query, 16)).pages).toBe(1);
  });

  it('refuses a token of another run, names or step range, naming page_token', async () => {
    const { id } = await seed();
    const other = (await seed()).id;
    const query = { names: ['loss'], fromStep: 1, toStep: 20 };
    const { nextPageToken } = await t.store.metrics.page(id, query, 5, '');
    // The order of the names does not change the query.
    await t.store.metrics.page(id, { ...query, names: ['loss', 'loss'] }, 5, nextPageToken);
    for (const [runId, q] of [
      [other, query],
      [id, { ...query, names: ['acc'] }],
      [id, { ...query, names: [] }],
      [id, { ...query, fromStep: 2 }],
      [id, { ...query, toStep: 21 }],
    ] as const) {
      await expectAppError(
        t.store.metrics.page(runId, q, 5, nextPageToken),
        'INVALID_ARGUMENT',
        /^page_token: /,
      );
    }
    await expectAppError(t.store.metrics.page(id, query, 5, 'garbage'), 'INVALID_ARGUMENT', /^page_token: /);
  });

  it('refuses a page size or a step out of range, naming the field', async () => {
    const { id } = await seed();
    await expectAppError(t.store.metrics.page(id, ALL_STEPS, 10_001, ''), 'INVALID_ARGUMENT', /^page_size: /);
    await expectAppError(t.store.metrics.page(id, ALL_STEPS, -1, ''), 'INVALID_ARGUMENT', /^page_size: /);
    await expectAppError(
      t.store.metrics.page(id, { ...ALL_STEPS, fromStep: -1 }, 1, ''),
      'INVALID_ARGUMENT',
      /^from_step: /,
    );
    await expectAppError(
      t.store.metrics.page(id, { ...ALL_STEPS, toStep: 2 ** 31 }, 1, ''),
      'INVALID_ARGUMENT',
      /^to_step: /,
    );
  });
});
