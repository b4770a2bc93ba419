import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { expectAppError, makeSpec, newRun, sql } from './fixtures.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('RunRepository: the queue and its leases', () => {
  let db: TestDatabase;
  let store: Store;
  /** A second replica: its own pool, so claims really race on separate connections. */
  let replica: Store;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = await createStore({ databaseUrl: db.url, poolSize: 6 });
    replica = await createStore({ databaseUrl: db.url, poolSize: 6 });
  });
  afterAll(async () => {
    await store.close();
    await replica.close();
    await db.drop();
  });
  beforeEach(async () => {
    await sql(db.url, 'TRUNCATE runs, metric_points CASCADE');
  });

  const queue = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await store.runs.create(newRun())).run.id);
    return ids;
  };
  /** Moves a lease into the past, as if its holder had died. */
  const expire = (id: string) =>
    sql(db.url, `UPDATE runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);

  describe('claimNext', () => {
    it('returns null on an empty queue', async () => {
      expect(await store.runs.claimNext('w1', 1000)).toBeNull();
    });

    it('claims the oldest queued run: RUNNING, attempt + 1, owner, lease from the database clock', async () => {
      const [oldest] = await queue(3);
      const [{ now } = { now: new Date(0) }] = await sql<{ now: Date }>(db.url, 'SELECT now() AS now');
      const run = await store.runs.claimNext('w1', 30_000);
      expect(run).toMatchObject({ id: oldest, status: 'RUNNING', attempt: 1, owner: 'w1' });
      const leaseMs = (run?.leaseExpiresAt?.getTime() ?? 0) - now.getTime();
      expect(leaseMs).toBeGreaterThan(29_000);
      expect(leaseMs).toBeLessThan(31_000);
      expect(run?.startedAt).toBeInstanceOf(Date);
    });

    it('claims only runs of the given trainers, leaving the others queued in order', async () => {
      const mlp = (await store.runs.create(newRun({ spec: makeSpec('mlp') }))).run.id;
      const plugin = (await store.runs.create(newRun({ requestId: 'p', spec: makeSpec('logreg') }))).run.id;
      expect(await store.runs.claimNext('w1', 30_000, ['logreg'])).toMatchObject({ id: plugin });
      expect(await store.runs.claimNext('w1', 30_000, ['logreg'])).toBeNull();
      expect(await store.runs.claimNext('w1', 30_000, [])).toBeNull();
      expect(await store.runs.claimNext('w1', 30_000)).toMatchObject({ id: mlp });
    });

    it('claims in queue order even when runs share a creation millisecond, a sweep in grid order', async () => {
      // Pin every run to one created_at: the order must come from the queue, not the clock.
      const ids = await queue(4);
      const sweepId = '6f1c2a34-0000-4000-8000-0000000000aa';
      const grid = [3, 1, 4, 1, 5, 9, 2, 6].map((seed, i) =>
        newRun({ requestId: `grid-${i}`, spec: makeSpec('mlp', seed) }),
      );
      await store.sweeps.create({
        id: sweepId,
        project: 'p1',
        requestId: null,
        name: 'g',
        spec: {},
        runs: grid,
      });
      await sql(db.url, `UPDATE runs SET created_at = '2026-11-01T00:00:00.001Z'`);
      const claimed: string[] = [];
      for (let run = await store.runs.claimNext('w1', 60_000); run !== null; ) {
        claimed.push(run.requestId ?? run.id);
        run = await store.runs.claimNext('w1', 60_000);
      }
      expect(claimed).toEqual([...ids, ...grid.map((r) => r.requestId)]);
    });

    it('skips a run another claimer has locked instead of waiting for it (SKIP LOCKED)', async () => {
      const [locked, next] = await queue(2);
      const other = new pg.Client({ connectionString: db.url });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query('SELECT id FROM runs WHERE id = $1 FOR UPDATE', [locked]);
        const claim = store.runs.claimNext('w1', 60_000);
        const timeout = new Promise((resolve) => setTimeout(() => resolve('blocked'), 5000));
        expect(await Promise.race([claim, timeout])).toMatchObject({ id: next });
        await other.query('ROLLBACK');
      } finally {
        await other.end();
      }
      expect(await store.runs.claimNext('w2', 60_000)).toMatchObject({ id: locked });
    });

    it('hands each run to exactly one of many concurrent claimers', async () => {
      const ids = await queue(24);
      const claimer = async (s: Store, owner: string) => {
        const got: string[] = [];
        for (
          let run = await s.runs.claimNext(owner, 60_000);
          run !== null;
          run = await s.runs.claimNext(owner, 60_000)
        ) {
          expect(run.owner).toBe(owner);
          got.push(run.id);
        }
        return got;
      };
      const claims = await Promise.all(
        [store, replica].flatMap((s, r) => [0, 1, 2, 3].map((c) => claimer(s, `replica-${r}-${c}`))),
      );
      const all = claims.flat();
      expect(all).toHaveLength(24);
      expect(new Set(all)).toEqual(new Set(ids));
      // The work really was spread: more than one claimer got runs.
      expect(claims.filter((c) => c.length > 0).length).toBeGreaterThan(1);
      const rows = await sql<{ attempt: number }>(
        db.url,
        `SELECT attempt FROM runs WHERE status = 'RUNNING'`,
      );
      expect(rows.map((r) => r.attempt)).toEqual(Array(24).fill(1));
    });
  });

  describe('renewLeases', () => {
    it('extends only the leases the owner still holds', async () => {
      await queue(3);
      const mine = await store.runs.claimNext('w1', 1000);
      const theirs = await store.runs.claimNext('w2', 1000);
      const queued = (await store.runs.list({ project: 'p1', statuses: ['QUEUED'] }, 10, '')).items[0];
      const renewed = await store.runs.renewLeases(
        'w1',
        [mine?.id ?? '', theirs?.id ?? '', queued?.id ?? '', UNKNOWN, 'garbage'],
        120_000,
      );
      expect(renewed).toEqual([mine?.id]);
      const after = await store.runs.get('p1', mine?.id ?? '');
      expect(after.leaseExpiresAt?.getTime()).toBeGreaterThan(
        (mine?.leaseExpiresAt?.getTime() ?? 0) + 100_000,
      );
      expect((await store.runs.get('p1', theirs?.id ?? '')).leaseExpiresAt).toEqual(theirs?.leaseExpiresAt);
      expect(await store.runs.renewLeases('w1', [], 1000)).toEqual([]);
    });
  });

  describe('recoverExpired', () => {
    it('requeues expired runs, fails those at maxAttempts with the reason, leaves live leases alone', async () => {
      const [a, b, live] = await queue(3);
      for (const owner of ['w1', 'w2', 'w3']) await store.runs.claimNext(owner, 60_000);
      await expire(a ?? '');
      await expire(b ?? '');
      await sql(db.url, `UPDATE runs SET attempt = 3 WHERE id = $1`, [b]);

      expect(await store.runs.recoverExpired(3)).toEqual({ requeued: 1, failed: 1, cancelled: 0 });
      expect(await store.runs.get('p1', a ?? '')).toMatchObject({
        status: 'QUEUED',
        owner: null,
        leaseExpiresAt: null,
        attempt: 1,
        finishedAt: null,
      });
      const failed = await store.runs.get('p1', b ?? '');
      expect(failed).toMatchObject({ status: 'FAILED', owner: null });
      expect(failed.error).toBe('lease of w2 expired on attempt 3 of 3');
      expect(failed.finishedAt).toBeInstanceOf(Date);
      expect(await store.runs.get('p1', live ?? '')).toMatchObject({ status: 'RUNNING', owner: 'w3' });
      expect(await store.runs.recoverExpired(3)).toEqual({ requeued: 0, failed: 0, cancelled: 0 });
    });

    it('runs a run at most maxAttempts times', async () => {
      const [id] = await queue(1);
      for (let attempt = 1; attempt <= 2; attempt++) {
        const run = await store.runs.claimNext(`w${attempt}`, 60_000);
        expect(run).toMatchObject({ id, attempt });
        await expire(id ?? '');
        await store.runs.recoverExpired(2);
      }
      expect(await store.runs.claimNext('w3', 60_000)).toBeNull();
      expect((await store.runs.get('p1', id ?? '')).status).toBe('FAILED');
    });

    it('ends an expired run whose cancel was requested as CANCELLED', async () => {
      const [id] = await queue(1);
      await store.runs.claimNext('w1', 60_000);
      await store.runs.requestCancel('p1', id ?? '');
      await expire(id ?? '');
      expect(await store.runs.recoverExpired(5)).toEqual({ requeued: 0, failed: 0, cancelled: 1 });
      expect((await store.runs.get('p1', id ?? '')).status).toBe('CANCELLED');
    });

    it('rejects a maxAttempts below 1', async () => {
      await expectAppError(store.runs.recoverExpired(0), 'INVALID_ARGUMENT', /^maxAttempts/);
    });
  });

  describe('updateProgress, finish, release', () => {
    it('records progress of the holder only', async () => {
      const [id = ''] = await queue(1);
      await store.runs.claimNext('w1', 60_000);
      await store.runs.updateProgress(id, 'w1', 250, 'wasm');
      expect(await store.runs.get('p1', id)).toMatchObject({
        currentStep: 250,
        backend: 'wasm',
        device: null,
      });
      const lavapipe = 'mesa software: llvmpipe: Mesa 25.0.7 (software adapter)';
      await store.runs.updateProgress(id, 'w1', 260, 'webgpu', lavapipe);
      expect(await store.runs.get('p1', id)).toMatchObject({ backend: 'webgpu', device: lavapipe });
      await expectAppError(
        store.runs.updateProgress(id, 'w2', 300, 'cpu'),
        'FAILED_PRECONDITION',
        /not held by w2 \(status RUNNING, owner w1\)/,
      );
      await expectAppError(store.runs.updateProgress(UNKNOWN, 'w1', 1, 'cpu'), 'NOT_FOUND');
      await expectAppError(store.runs.updateProgress('bad-id', 'w1', 1, 'cpu'), 'NOT_FOUND');
      await expectAppError(store.runs.updateProgress(id, 'w1', -1, 'cpu'), 'INVALID_ARGUMENT', /^step/);
      expect((await store.runs.get('p1', id)).currentStep).toBe(260);
    });

    it('finishes an attempt with a terminal status, once', async () => {
      const [ok = '', bad = ''] = await queue(2);
      await store.runs.claimNext('w1', 60_000);
      await store.runs.claimNext('w1', 60_000);
      const done = await store.runs.finish(ok, 'w1', 'COMPLETED', null);
      expect(done).toMatchObject({ status: 'COMPLETED', error: null, owner: null, leaseExpiresAt: null });
      expect(done.finishedAt).toBeInstanceOf(Date);
      expect(await store.runs.finish(bad, 'w1', 'FAILED', 'loss is NaN')).toMatchObject({
        status: 'FAILED',
        error: 'loss is NaN',
      });
      await expectAppError(
        store.runs.finish(ok, 'w1', 'FAILED', 'late'),
        'FAILED_PRECONDITION',
        /status COMPLETED/,
      );
      await expectAppError(store.runs.finish(UNKNOWN, 'w1', 'COMPLETED', null), 'NOT_FOUND');
    });

    it('rejects a worker whose expired lease was taken over', async () => {
      const [id = ''] = await queue(1);
      await store.runs.claimNext('w1', 60_000);
      await expire(id);
      await store.runs.recoverExpired(3);
      await store.runs.claimNext('w2', 60_000);
      await expectAppError(store.runs.finish(id, 'w1', 'COMPLETED', null), 'FAILED_PRECONDITION', /owner w2/);
      expect(await store.runs.renewLeases('w1', [id], 60_000)).toEqual([]);
    });

    it('releases a run back to the queue, or to CANCELLED when its cancel was requested', async () => {
      const [id = '', cancelled = ''] = await queue(2);
      await store.runs.claimNext('w1', 60_000);
      await store.runs.claimNext('w1', 60_000);
      await store.runs.release(id, 'w1');
      expect(await store.runs.get('p1', id)).toMatchObject({
        status: 'QUEUED',
        owner: null,
        leaseExpiresAt: null,
      });
      expect(await store.runs.claimNext('w2', 60_000)).toMatchObject({ id, attempt: 2, owner: 'w2' });
      await store.runs.requestCancel('p1', cancelled);
      await store.runs.release(cancelled, 'w1');
      expect((await store.runs.get('p1', cancelled)).status).toBe('CANCELLED');
      await expectAppError(store.runs.release(id, 'w1'), 'FAILED_PRECONDITION');
    });
  });

  describe('retry (an attempt failed outside the run: GPU device lost)', () => {
    const LOST = 'webgpu device lost (unknown): the driver reset the GPU';

    it('requeues the run with the reason until maxAttempts, then fails it', async () => {
      const [id = ''] = await queue(1);
      await store.runs.claimNext('w1', 60_000);
      expect(await store.runs.retry(id, 'w1', LOST, 2)).toMatchObject({
        status: 'QUEUED',
        owner: null,
        leaseExpiresAt: null,
        finishedAt: null,
        error: `attempt 1 of 2: ${LOST}`,
      });
      expect(await store.runs.claimNext('w2', 60_000)).toMatchObject({ id, attempt: 2 });
      const failed = await store.runs.retry(id, 'w2', LOST, 2);
      expect(failed).toMatchObject({ status: 'FAILED', error: `attempt 2 of 2: ${LOST}` });
      expect(failed.finishedAt).toBeInstanceOf(Date);
      // A later success clears the error (finish writes its own).
      const [ok = ''] = await queue(1);
      await store.runs.claimNext('w1', 60_000);
      await store.runs.retry(ok, 'w1', LOST, 3);
      await store.runs.claimNext('w1', 60_000);
      expect(await store.runs.finish(ok, 'w1', 'COMPLETED', null)).toMatchObject({ attempt: 2, error: null });
    });

    it('cancels a run whose cancel was requested, and refuses a non-holder and bad input', async () => {
      const [id = ''] = await queue(1);
      await store.runs.claimNext('w1', 60_000);
      await expectAppError(store.runs.retry(id, 'w2', LOST, 3), 'FAILED_PRECONDITION', /not held by w2/);
      await expectAppError(store.runs.retry(id, 'w1', LOST, 0), 'INVALID_ARGUMENT', /^maxAttempts/);
      await store.runs.requestCancel('p1', id);
      expect(await store.runs.retry(id, 'w1', LOST, 3)).toMatchObject({ status: 'CANCELLED' });
      await expectAppError(store.runs.retry(UNKNOWN, 'w1', LOST, 3), 'NOT_FOUND');
    });
  });
});
