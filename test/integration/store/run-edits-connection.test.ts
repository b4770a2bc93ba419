import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { newRun, sql, useStore, waitForLockWait } from './fixtures.js';

// UpdateRun's and DeleteRun's transaction checks a connection out of the pool. A connection lost
// while it is checked out emits 'error' on the client; unheard, that crashes the process.
describe('run edits when their connection dies mid-transaction', () => {
  const t = useStore({ poolSize: 3 });

  it.each(['update', 'delete'] as const)(
    '%s rejects with UNAVAILABLE and the run is unchanged',
    async (edit) => {
      const { run } = await t.store.runs.create(newRun({ project: 'p1' }));
      const holder = new pg.Client({ connectionString: t.db.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM runs WHERE id = $1 FOR UPDATE', [run.id]);
        const pending =
          edit === 'update'
            ? t.store.runs.update('p1', run.id, () => ({ displayName: 'renamed' }))
            : t.store.runs.delete('p1', run.id, () => {});
        const settled = pending.catch((error: unknown) => error);
        const pid = await waitForLockWait(t.db.url, 'FOR UPDATE');
        await sql(t.db.url, 'SELECT pg_terminate_backend($1)', [pid]);
        expect(await settled).toMatchObject({ name: 'AppError', code: 'UNAVAILABLE' });
        await holder.query('ROLLBACK');
      } finally {
        await holder.end();
      }
      const stored = await t.store.runs.get('p1', run.id);
      expect(stored.displayName).toBe('');
    },
  );
});
