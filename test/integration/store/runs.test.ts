import { describe, expect, it } from 'vitest';
import { expectAppError, makeSpec, newRun, sql, useStore } from './fixtures.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('RunRepository: create, get, cancel, count', () => {
  const t = useStore({ poolSize: 8, truncate: true });

  describe('create', () => {
    it('stores a QUEUED run with the trainer taken from the spec', async () => {
      const spec = makeSpec('babi', 7);
      const { run, created } = await t.store.runs.create(newRun({ spec, labels: { arm: 'noise' } }));
      expect(created).toBe(true);
      expect(run).toMatchObject({
        project: 'p1',
        requestId: null,
        trainer: 'babi',
        spec,
        status: 'QUEUED',
        labels: { arm: 'noise' },
        backend: null,
        attempt: 0,
        error: null,
        currentStep: 0,
        cancelRequested: false,
        owner: null,
        leaseExpiresAt: null,
        sweepId: null,
        startedAt: null,
        finishedAt: null,
      });
      expect(await t.store.runs.get('p1', run.id)).toEqual(run);
    });

    it('is idempotent on (project, requestId) and stores nothing the second time', async () => {
      const first = await t.store.runs.create(newRun({ requestId: 'req-1' }));
      const again = await t.store.runs.create(newRun({ requestId: 'req-1', spec: makeSpec('other') }));
      expect(again).toEqual({ run: first.run, created: false });
      const otherProject = await t.store.runs.create(newRun({ project: 'p2', requestId: 'req-1' }));
      expect(otherProject.created).toBe(true);
      const noKey = [await t.store.runs.create(newRun()), await t.store.runs.create(newRun())];
      expect(noKey.every((r) => r.created)).toBe(true);
      expect(await sql(t.db.url, 'SELECT id FROM runs')).toHaveLength(4);
    });

    it('returns the same run to concurrent creates with one request id', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, () => t.store.runs.create(newRun({ requestId: 'race' }))),
      );
      expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await sql(t.db.url, 'SELECT id FROM runs')).toHaveLength(1);
    });

    it('links a sweep, and an unknown or malformed sweep is NOT_FOUND', async () => {
      const [sweep] = await sql<{ id: string }>(
        t.db.url,
        `INSERT INTO sweeps (project, name, spec) VALUES ('p1', 's', '{}') RETURNING id`,
      );
      const { run } = await t.store.runs.create(newRun({ sweepId: sweep?.id ?? '' }));
      expect(run.sweepId).toBe(sweep?.id);
      await expectAppError(
        t.store.runs.create(newRun({ sweepId: UNKNOWN })),
        'NOT_FOUND',
        /^sweep not found$/,
      );
      await expectAppError(t.store.runs.create(newRun({ sweepId: 'nope' })), 'NOT_FOUND');
    });
  });

  describe('get', () => {
    it('is NOT_FOUND for an unknown id, a malformed id and another project’s run', async () => {
      const { run } = await t.store.runs.create(newRun());
      await expectAppError(t.store.runs.get('p1', UNKNOWN), 'NOT_FOUND', /run "0{8}-.*" not found/);
      await expectAppError(t.store.runs.get('p1', 'not-a-uuid'), 'NOT_FOUND', /run "not-a-uuid" not found/);
      await expectAppError(t.store.runs.get('p2', run.id), 'NOT_FOUND');
    });
  });

  describe('requestCancel', () => {
    const setStatus = (id: string, status: string) =>
      sql(t.db.url, `UPDATE runs SET status = $2::"RunStatus" WHERE id = $1`, [id, status]);

    it('cancels a QUEUED run at once', async () => {
      const { run } = await t.store.runs.create(newRun());
      const cancelled = await t.store.runs.requestCancel('p1', run.id);
      expect(cancelled).toMatchObject({ id: run.id, status: 'CANCELLED', cancelRequested: false });
      expect(cancelled.finishedAt).toBeInstanceOf(Date);
    });

    it('flags a RUNNING run for the worker and is idempotent', async () => {
      await t.store.runs.create(newRun());
      const claimed = await t.store.runs.claimNext('w1', 60_000);
      const first = await t.store.runs.requestCancel('p1', claimed?.id ?? '');
      expect(first).toMatchObject({
        status: 'RUNNING',
        cancelRequested: true,
        owner: 'w1',
        finishedAt: null,
      });
      expect(await t.store.runs.requestCancel('p1', first.id)).toMatchObject({
        status: 'RUNNING',
        cancelRequested: true,
      });
    });

    it('is FAILED_PRECONDITION on a terminal run and NOT_FOUND on unknown or foreign ids', async () => {
      for (const status of ['COMPLETED', 'FAILED', 'CANCELLED']) {
        const { run } = await t.store.runs.create(newRun());
        await setStatus(run.id, status);
        await expectAppError(
          t.store.runs.requestCancel('p1', run.id),
          'FAILED_PRECONDITION',
          new RegExp(`already ${status}`),
        );
      }
      const { run } = await t.store.runs.create(newRun());
      await expectAppError(t.store.runs.requestCancel('p2', run.id), 'NOT_FOUND');
      await expectAppError(t.store.runs.requestCancel('p1', UNKNOWN), 'NOT_FOUND');
      await expectAppError(t.store.runs.requestCancel('p1', 'x'), 'NOT_FOUND');
      expect((await t.store.runs.get('p1', run.id)).status).toBe('QUEUED');
    });
  });

  it('counts runs per status across projects, zeros included', async () => {
    await t.store.runs.create(newRun());
    await t.store.runs.create(newRun({ project: 'p2' }));
    const { run } = await t.store.runs.create(newRun());
    await t.store.runs.requestCancel('p1', run.id);
    expect(await t.store.runs.countByStatus()).toEqual({
      QUEUED: 2,
      RUNNING: 0,
      COMPLETED: 0,
      FAILED: 0,
      CANCELLED: 1,
      STOPPED_EARLY: 0,
    });
  });
});
