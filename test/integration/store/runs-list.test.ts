import { describe, expect, it } from 'vitest';
import { createStore, type RunFilter, type RunRecord } from '../../../src/store/index.js';
import { expectAppError, makeSpec, newRun, sql, useStore } from './fixtures.js';

describe('RunRepository.list', () => {
  const t = useStore({ poolSize: 8, truncate: true });

  const seed = async (): Promise<RunRecord[]> => {
    const runs: RunRecord[] = [];
    for (let i = 0; i < 12; i++) {
      const { run } = await t.store.runs.create(
        newRun({
          spec: makeSpec(i % 3 === 0 ? 'babi' : 'mlp', i),
          labels: { arm: i % 2 === 0 ? 'noise' : 'plain', group: i < 6 ? 'a' : 'b' },
        }),
      );
      runs.push(run);
    }
    await t.store.runs.create(newRun({ project: 'p2' }));
    return runs;
  };
  const newestFirst = (runs: RunRecord[]) =>
    [...runs].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  const listAll = async (filter: RunFilter, pageSize: number) => {
    const pages: RunRecord[][] = [];
    let token = '';
    do {
      const page = await t.store.runs.list(filter, pageSize, token);
      pages.push([...page.items]);
      token = page.nextPageToken;
    } while (token !== '' && pages.length < 100);
    return pages;
  };

  it('pages through the project newest first, each run exactly once', async () => {
    const runs = await seed();
    const pages = await listAll({ project: 'p1' }, 5);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 2]);
    expect(pages.flat().map((r) => r.id)).toEqual(newestFirst(runs).map((r) => r.id));
    // An exact multiple of the page size ends without an empty trailing page.
    expect((await listAll({ project: 'p1' }, 6)).map((p) => p.length)).toEqual([6, 6]);
  });

  it('keeps the order of runs created in the same instant (ties broken by id)', async () => {
    await sql(
      t.db.url,
      `INSERT INTO runs (project, trainer, spec, status, created_at)
       SELECT 'p1', 'mlp', '{}', 'QUEUED', '2026-01-01T00:00:00.123456Z' FROM generate_series(1, 7)`,
    );
    const pages = await listAll({ project: 'p1' }, 3);
    const ids = pages.flat().map((r) => r.id);
    expect(ids).toHaveLength(7);
    expect(ids).toEqual([...ids].sort().reverse());
  });

  it('pages the same under any session TimeZone and DateStyle', async () => {
    const runs = await seed();
    const name = new URL(t.db.url).pathname.slice(1);
    await sql(t.db.url, `ALTER DATABASE ${name} SET "TimeZone" = 'Asia/Kolkata'`);
    await sql(t.db.url, `ALTER DATABASE ${name} SET "DateStyle" = 'SQL, DMY'`);
    const local = await createStore({ databaseUrl: t.db.url, poolSize: 1 });
    try {
      const ids: string[] = [];
      let token = '';
      do {
        const page = await local.runs.list({ project: 'p1' }, 5, token);
        ids.push(...page.items.map((r) => r.id));
        token = page.nextPageToken;
      } while (token !== '');
      expect(ids).toEqual(newestFirst(runs).map((r) => r.id));
    } finally {
      await local.close();
      await sql(t.db.url, `ALTER DATABASE ${name} RESET ALL`);
    }
  });

  it('filters by status, trainer, labels (every pair) and sweep', async () => {
    const runs = await seed();
    const ids = (rs: RunRecord[]) => newestFirst(rs).map((r) => r.id);
    const list = async (filter: Omit<RunFilter, 'project'>) =>
      (await t.store.runs.list({ project: 'p1', ...filter }, 100, '')).items.map((r) => r.id);

    expect(await list({ trainer: 'babi' })).toEqual(ids(runs.filter((r) => r.trainer === 'babi')));
    expect(await list({ labels: { arm: 'noise' } })).toEqual(
      ids(runs.filter((r) => r.labels.arm === 'noise')),
    );
    expect(await list({ labels: { arm: 'noise', group: 'b' } })).toEqual(
      ids(runs.filter((r) => r.labels.arm === 'noise' && r.labels.group === 'b')),
    );
    expect(await list({ labels: { arm: 'other' } })).toEqual([]);

    const cancelled = runs.slice(0, 3);
    for (const run of cancelled) await t.store.runs.requestCancel('p1', run.id);
    expect(await list({ statuses: ['CANCELLED'] })).toEqual(ids(cancelled));
    expect(await list({ statuses: ['QUEUED', 'CANCELLED'] })).toEqual(ids(runs));
    expect(await list({ statuses: [] })).toEqual(ids(runs));

    const [sweep] = await sql<{ id: string }>(
      t.db.url,
      `INSERT INTO sweeps (project, name, spec) VALUES ('p1', 's', '{}') RETURNING id`,
    );
    const inSweep = await t.store.runs.create(newRun({ sweepId: sweep?.id ?? '' }));
    expect(await list({ sweepId: sweep?.id ?? '' })).toEqual([inSweep.run.id]);
    expect(await list({ sweepId: 'not-a-uuid' })).toEqual([]);
  });

  it('rejects a malformed page token, or one issued for another filter, naming page_token', async () => {
    await seed();
    const page = await t.store.runs.list({ project: 'p1' }, 2, '');
    for (const token of ['garbage', 'e30', Buffer.from('{"t":"x","i":"y","f":"z"}').toString('base64url')]) {
      await expectAppError(
        t.store.runs.list({ project: 'p1' }, 2, token),
        'INVALID_ARGUMENT',
        /^page_token: got /,
      );
    }
    await expectAppError(
      t.store.runs.list({ project: 'p1', trainer: 'mlp' }, 2, page.nextPageToken),
      'INVALID_ARGUMENT',
      /^page_token/,
    );
    await expectAppError(t.store.runs.list({ project: 'p2' }, 2, page.nextPageToken), 'INVALID_ARGUMENT');
  });

  it('defaults page size 0, caps large ones and rejects negative ones', async () => {
    await seed();
    expect((await t.store.runs.list({ project: 'p1' }, 0, '')).items).toHaveLength(12);
    expect((await t.store.runs.list({ project: 'p1' }, 1_000_000, '')).items).toHaveLength(12);
    await expectAppError(t.store.runs.list({ project: 'p1' }, -1, ''), 'INVALID_ARGUMENT', /^page_size/);
    await expectAppError(t.store.runs.list({ project: 'p1' }, 1.5, ''), 'INVALID_ARGUMENT', /^page_size/);
  });
});
