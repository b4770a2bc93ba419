import { createHash } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { CheckpointRetention } from '../../../src/core/index.js';
import { expectAppError, newRun, sql, useStore, waitForLockWait } from './fixtures.js';

// Retention and init_from in the store, on a real PostgreSQL: what a checkpoint write prunes, what
// it never prunes, and what holds when a prune races with a StartRun or its connection dies.
describe('checkpoint retention and init_from in the store', () => {
  const t = useStore({ poolSize: 3 });

  const data = (step: number) => new Uint8Array(64).map((_, i) => (i + step) % 256);
  const save = (runId: string, step: number, retention?: CheckpointRetention) => {
    const bytes = data(step);
    const meta = {
      runId,
      step,
      sizeBytes: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      format: 'safetensors',
      index: {},
    };
    return t.store.checkpoints.save(meta, bytes, retention);
  };
  const steps = async (runId: string) =>
    (await t.store.checkpoints.list(runId, 100, '')).items.map((c) => c.step);
  const accuracy = (runId: string, values: Record<number, number>) =>
    t.store.metrics.upsertMany(
      Object.entries(values).map(([step, value]) => ({
        runId,
        step: Number(step),
        name: 'test_accuracy',
        value,
        timeMs: Date.now(),
      })),
    );

  it('keeps every checkpoint without a retention, and the keep_last latest with one', async () => {
    const { run } = await t.store.runs.create(newRun());
    for (const step of [10, 20, 30]) expect(await save(run.id, step)).toEqual({ pruned: [] });
    expect(await steps(run.id)).toEqual([10, 20, 30]);
    const keepTwo = { keepLast: 2, keepBest: null };
    expect(await save(run.id, 40, keepTwo)).toEqual({ pruned: [10, 20] });
    expect(await save(run.id, 50, keepTwo)).toEqual({ pruned: [30] });
    expect(await steps(run.id)).toEqual([40, 50]);
    // A save of an older step (a resumed attempt writing again) never prunes the latest.
    expect(await save(run.id, 45, { keepLast: 1, keepBest: null })).toEqual({ pruned: [40, 45] });
    expect(await steps(run.id)).toEqual([50]);
    expect((await t.store.checkpoints.getMeta(run.id, 0))?.step).toBe(50);
  });

  it('keeps the best by the metric at each checkpoint’s own step, finite values only, and the latest', async () => {
    const { run } = await t.store.runs.create(newRun());
    const best = (direction: 'min' | 'max', count: number): CheckpointRetention => ({
      keepLast: 0,
      keepBest: { metric: 'test_accuracy', direction, count },
    });
    // 25 has no point at its step; 30 is NaN; 20 and 40 tie (the later ranks first).
    await accuracy(run.id, { 10: 0.5, 20: 0.9, 30: Number.NaN, 40: 0.9, 50: 0.1, 60: 0.3, 61: 0.99 });
    for (const step of [10, 20, 25, 30, 40, 50]) await save(run.id, step);
    expect(await save(run.id, 60, best('max', 2))).toEqual({ pruned: [10, 25, 30, 50] });
    // Kept: the two best (40, then 20 on the tie) and the latest (60, although it is worse).
    expect(await steps(run.id)).toEqual([20, 40, 60]);
    expect(await save(run.id, 70, best('max', 1))).toEqual({ pruned: [20, 60] });
    expect(await steps(run.id)).toEqual([40, 70]);
    expect(await save(run.id, 80, best('min', 1))).toEqual({ pruned: [70] });
    expect(await steps(run.id)).toEqual([40, 80]);
    // keep_last and keep_best together keep the union.
    await accuracy(run.id, { 90: 0.2, 100: 0.2 });
    await save(run.id, 90);
    expect(await save(run.id, 100, { keepLast: 2, keepBest: best('max', 1).keepBest })).toEqual({
      pruned: [80],
    });
    expect(await steps(run.id)).toEqual([40, 90, 100]);
  });

  it('never prunes a checkpoint a run starts from, refuses to delete its run, and refuses a gone one', async () => {
    const { run: parent } = await t.store.runs.create(newRun());
    for (const step of [10, 20, 30]) await save(parent.id, step);
    const { run: child } = await t.store.runs.create(
      newRun({ initFrom: { runId: parent.id, step: 20, mode: 'FULL' } }),
    );
    expect(child.initFrom).toEqual({ runId: parent.id, step: 20, mode: 'FULL' });
    expect(await t.store.runs.get('p1', child.id)).toMatchObject({ initFrom: child.initFrom });
    expect(await save(parent.id, 40, { keepLast: 1, keepBest: null })).toEqual({ pruned: [10, 30] });
    expect(await steps(parent.id)).toEqual([20, 40]);

    await expectAppError(
      t.store.runs.create(newRun({ initFrom: { runId: parent.id, step: 30, mode: 'WEIGHTS' } })),
      'NOT_FOUND',
      new RegExp(`^init_from\\.step: checkpoint at step 30 of run "${parent.id}" not found$`),
    );
    await expectAppError(
      t.store.runs.delete('p1', parent.id, () => {}),
      'FAILED_PRECONDITION',
      new RegExp(
        `^run ${parent.id} cannot be deleted: run ${child.id} started from its checkpoint at step 20`,
      ),
    );
    expect(await steps(parent.id)).toEqual([20, 40]);
    await t.store.runs.delete('p1', child.id, () => {});
    expect(await save(parent.id, 50, { keepLast: 1, keepBest: null })).toEqual({ pruned: [20, 40] });
    expect((await t.store.runs.delete('p1', parent.id, () => {})).checkpoints).toBe(1);
  });

  it('keeps a checkpoint that a run starting from it names while the prune runs, and stores the new one', async () => {
    const { run: parent } = await t.store.runs.create(newRun());
    for (const step of [10, 20]) await save(parent.id, step);
    // A StartRun in flight: its insert holds the key's lock on the checkpoint at step 10.
    const starting = new pg.Client({ connectionString: t.db.url });
    await starting.connect();
    try {
      await starting.query('BEGIN');
      const inserted = await starting.query<{ id: string }>(
        `INSERT INTO runs (project, trainer, spec, status, init_from_run_id, init_from_step, init_from_mode)
         VALUES ('p1', 'mlp', '{}', 'QUEUED', $1, 10, 'WEIGHTS') RETURNING id`,
        [parent.id],
      );
      const saving = save(parent.id, 30, { keepLast: 1, keepBest: null });
      await waitForLockWait(t.db.url, 'DELETE FROM checkpoints');
      await starting.query('COMMIT');
      // The prune was refused by the key and rolled back alone: nothing pruned, the new one kept.
      expect(await saving).toEqual({ pruned: [] });
      expect(await steps(parent.id)).toEqual([10, 20, 30]);
      // The next prune sees the run and keeps its checkpoint.
      expect(await save(parent.id, 40, { keepLast: 1, keepBest: null })).toEqual({ pruned: [20, 30] });
      expect(await steps(parent.id)).toEqual([10, 40]);
      expect(inserted.rows[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await starting.end();
    }
  });

  it('loses nothing when the connection dies mid-write (kill -9): the resume checkpoint stays the latest', async () => {
    const { run } = await t.store.runs.create(newRun());
    for (const step of [10, 20, 30]) await save(run.id, step);
    // Hold the prune at step 10 until its connection is terminated, as a killed replica's would be.
    const holder = new pg.Client({ connectionString: t.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM checkpoints WHERE run_id = $1 AND step = 10 FOR KEY SHARE', [run.id]);
      // Its rejection is taken at once: it comes while the terminate is still being answered.
      const saving = save(run.id, 40, { keepLast: 1, keepBest: null }).catch((error: unknown) => error);
      const pid = await waitForLockWait(t.db.url, 'DELETE FROM checkpoints');
      await sql(t.db.url, 'SELECT pg_terminate_backend($1)', [pid]);
      expect(await saving).toMatchObject({ name: 'AppError', code: 'UNAVAILABLE' });
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    // Neither the new checkpoint nor the prune happened.
    expect(await steps(run.id)).toEqual([10, 20, 30]);
    expect((await t.store.checkpoints.getMeta(run.id, 0))?.step).toBe(30);
  });
});
