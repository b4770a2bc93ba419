import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideRung, type EarlyStopping, type RungEntry } from '../../../src/core/index.js';
import { createStore, type Store } from '../../../src/store/index.js';
import { makeSpec, newRun, sql, useStore } from './fixtures.js';

// ASHA judgements as two replicas make them: two stores (pools) on one database. Each judgement is
// a transaction that locks the sweep's row, so concurrent ones are serialised and a report seen by
// both replicas is decided once.

const ASHA: EarlyStopping = {
  metric: 'test_accuracy',
  mode: 'max',
  gracePeriod: 10,
  reductionFactor: 2,
  maxBudget: 100,
};

const fixture = useStore({ poolSize: 8 });
let other: Store;

beforeAll(async () => {
  other = await createStore({ databaseUrl: fixture.db.url, poolSize: 8 });
});
afterAll(async () => {
  await other.close();
});

async function sweepWithRuns(count: number): Promise<{ sweepId: string; runIds: string[] }> {
  const sweepId = randomUUID();
  await fixture.store.sweeps.create({
    id: sweepId,
    project: 'p',
    requestId: null,
    name: 'asha',
    spec: {},
    runs: Array.from({ length: count }, (_, i) =>
      newRun({ project: 'p', requestId: `${sweepId}:${i}`, spec: makeSpec('smoke', i) }),
    ),
  });
  const page = await fixture.store.sweeps.listRuns('p', sweepId, 100, '');
  return { sweepId, runIds: page.items.map((r) => r.id) };
}

describe('SweepRepository.judgeRung across replicas', () => {
  it('decides a report seen by two replicas once: one entry, the same decision', async () => {
    const { sweepId, runIds } = await sweepWithRuns(2);
    const [a, b] = runIds as [string, string];
    await fixture.store.sweeps.judgeRung(sweepId, (recorded) =>
      decideRung(ASHA, recorded, { runId: a, arm: 'noise', step: 10, value: 0.9 }),
    );
    // b is worse than a: n=2, quota 1, rank 2 -> stop. Both replicas judge its report at once.
    const report = { runId: b, arm: 'noise', step: 10, value: 0.1 };
    const decisions = await Promise.all(
      [fixture.store, other].map((store) =>
        store.sweeps.judgeRung(sweepId, (recorded) => decideRung(ASHA, recorded, report)),
      ),
    );
    expect(decisions.map((d) => d.stop)).toEqual([true, true]);
    expect(decisions.filter((d) => d.entry !== null)).toHaveLength(1);
    const rows = await sql<{ n: number }>(
      fixture.db.url,
      `SELECT count(*)::int AS n FROM sweep_rung_entries WHERE run_id = '${b}'`,
    );
    expect(rows[0]?.n).toBe(1);
    expect(await fixture.store.sweeps.stoppedEarly(b)).toBe(true);
    expect(await other.sweeps.stoppedEarly(a)).toBe(false);
  });

  it('serialises concurrent judgements of one sweep: each sees every entry before it', async () => {
    const { sweepId, runIds } = await sweepWithRuns(8);
    const seen: number[] = [];
    await Promise.all(
      runIds.map((runId, i) =>
        (i % 2 === 0 ? fixture.store : other).sweeps.judgeRung(sweepId, (recorded: readonly RungEntry[]) => {
          seen.push(recorded.length);
          return decideRung(ASHA, recorded, { runId, arm: 'noise', step: 10, value: i / 10 });
        }),
      ),
    );
    // Serial: the k-th judgement to take the lock saw k - 1 entries. Without the lock two would
    // read the same entries and both judge themselves against them.
    expect([...seen].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('keeps a non-finite value as the worst, and is NOT_FOUND for an unknown sweep', async () => {
    const { sweepId, runIds } = await sweepWithRuns(1);
    const runId = runIds[0] as string;
    await fixture.store.sweeps.judgeRung(sweepId, (recorded) =>
      decideRung(ASHA, recorded, { runId, arm: 'noise', step: 10, value: Number.NaN }),
    );
    let recordedValue = 0;
    await fixture.store.sweeps.judgeRung(sweepId, (recorded) => {
      recordedValue = recorded[0]?.value ?? 0;
      return { stop: false, entry: null };
    });
    expect(recordedValue).toBeNaN();
    await expect(
      fixture.store.sweeps.judgeRung(randomUUID(), () => ({ stop: false, entry: null })),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
