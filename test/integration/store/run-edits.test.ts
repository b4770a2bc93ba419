import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { failedPrecondition } from '../../../src/core/index.js';
import type { RunRecord } from '../../../src/store/index.js';
import { expectAppError, newRun, sql, useStore } from './fixtures.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('RunRepository: update and delete', () => {
  const t = useStore({ poolSize: 8, truncate: true });

  /** A run with `points` metric points and one checkpoint of `bytes` bytes per step in `steps`. */
  async function runWithData(points: number, steps: readonly number[], bytes = 100): Promise<RunRecord> {
    const { run } = await t.store.runs.create(newRun({ labels: { team: 'vision' } }));
    await t.store.metrics.upsertMany(
      Array.from({ length: points }, (_, i) => ({
        runId: run.id,
        step: i + 1,
        name: 'loss',
        value: 1 / (i + 1),
        timeMs: 1_760_000_000_000 + i,
      })),
    );
    for (const step of steps) {
      const data = new Uint8Array(bytes).fill(step % 256);
      await t.store.checkpoints.save(
        {
          runId: run.id,
          step,
          sizeBytes: data.byteLength,
          sha256: createHash('sha256').update(data).digest('hex'),
          format: 'safetensors',
          index: {},
        },
        data,
      );
    }
    return run;
  }

  const rowsOf = async (runId: string) => ({
    runs: (await sql(t.db.url, 'SELECT 1 FROM runs WHERE id = $1', [runId])).length,
    points: (await sql(t.db.url, 'SELECT 1 FROM metric_points WHERE run_id = $1', [runId])).length,
    checkpoints: (await sql(t.db.url, 'SELECT 1 FROM checkpoints WHERE run_id = $1', [runId])).length,
  });

  it('updates what the edit returns and keeps the rest', async () => {
    const { run } = await t.store.runs.create(newRun({ labels: { a: '1' }, displayName: 'first' }));
    expect(run.displayName).toBe('first');
    const renamed = await t.store.runs.update('p1', run.id, () => ({ displayName: 'second' }));
    expect(renamed).toMatchObject({ displayName: 'second', labels: { a: '1' }, spec: run.spec });
    const relabelled = await t.store.runs.update('p1', run.id, (current) => {
      expect(current.displayName).toBe('second');
      return { labels: { b: '2' } };
    });
    expect(relabelled).toMatchObject({ displayName: 'second', labels: { b: '2' } });
    expect(await t.store.runs.get('p1', run.id)).toEqual(relabelled);
  });

  it('applies concurrent read-modify-write edits one after the other (the row is locked)', async () => {
    const { run } = await t.store.runs.create(newRun());
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.store.runs.update('p1', run.id, (current) => ({ labels: { ...current.labels, [`k${i}`]: 'x' } })),
      ),
    );
    expect(Object.keys((await t.store.runs.get('p1', run.id)).labels).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `k${i}`),
    );
  });

  it('stores nothing when the edit refuses; NOT_FOUND for an unknown, malformed or foreign run', async () => {
    const { run } = await t.store.runs.create(newRun({ labels: { a: '1' } }));
    await expectAppError(
      t.store.runs.update('p1', run.id, () => {
        throw failedPrecondition('refused');
      }),
      'FAILED_PRECONDITION',
      /^refused$/,
    );
    expect((await t.store.runs.get('p1', run.id)).labels).toEqual({ a: '1' });
    for (const [project, id] of [
      ['p1', UNKNOWN],
      ['p1', 'not-a-uuid'],
      ['p2', run.id],
    ] as const) {
      await expectAppError(
        t.store.runs.update(project, id, () => ({ displayName: 'x' })),
        'NOT_FOUND',
      );
      await expectAppError(
        t.store.runs.delete(project, id, () => {}),
        'NOT_FOUND',
      );
    }
    expect(await rowsOf(run.id)).toEqual({ runs: 1, points: 0, checkpoints: 0 });
  });

  it('deletes the run, its points and its checkpoints, and counts them', async () => {
    const run = await runWithData(25, [10, 20], 300);
    const other = await runWithData(5, [5]);
    const seen: RunRecord[] = [];
    const deleted = await t.store.runs.delete('p1', run.id, (current) => {
      seen.push(current);
    });
    expect(seen).toEqual([run]);
    expect(deleted).toEqual({ run, metricPoints: 25, checkpoints: 2, checkpointBytes: 600 });
    expect(await rowsOf(run.id)).toEqual({ runs: 0, points: 0, checkpoints: 0 });
    // Another run's data is untouched.
    expect(await rowsOf(other.id)).toEqual({ runs: 1, points: 5, checkpoints: 1 });
    await expectAppError(
      t.store.runs.delete('p1', run.id, () => {}),
      'NOT_FOUND',
    );
  });

  it('deletes nothing when the check refuses', async () => {
    const run = await runWithData(3, [3]);
    await expectAppError(
      t.store.runs.delete('p1', run.id, () => {
        throw failedPrecondition('not now');
      }),
      'FAILED_PRECONDITION',
    );
    expect(await rowsOf(run.id)).toEqual({ runs: 1, points: 3, checkpoints: 1 });
  });
});
