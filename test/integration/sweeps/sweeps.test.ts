import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepApi } from '../../../src/client/index.js';
import type { StartSweepRequest } from '../../../src/generated/proto/gradnoise/v1/StartSweepRequest.js';
import type { Sweep__Output } from '../../../src/generated/proto/gradnoise/v1/Sweep.js';
import type { SweepRun__Output } from '../../../src/generated/proto/gradnoise/v1/SweepRun.js';
import { api, createSweepClient } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
let sweeps: SweepApi;
let closeSweeps: () => void;

beforeAll(async () => {
  service = await startTestService();
  const { client, api: sweepCalls } = createSweepClient(service.address);
  sweeps = sweepCalls;
  closeSweeps = () => client.close();
});
afterAll(async () => {
  closeSweeps();
  await service.stop();
});

const SWEEP: StartSweepRequest = {
  name: 'lr grid',
  base: { trainer: 'smoke', maxSteps: '30', evalEvery: '10', seed: '3', labels: { exp: 'it' } },
  axes: [{ field: 'optimizer.learning_rate', values: ['0.2', '0.05'] }],
  seeds: 2,
  objective: { metric: 'test_accuracy', thresholds: [0.5, 0.99] },
  requestId: 'sweep-1',
  labels: { team: 'noise' },
};

async function waitDone(id: string, timeoutMs = 90_000): Promise<Sweep__Output> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sweep = await sweeps.getSweep({ sweepId: id });
    if (sweep.done) return sweep;
    if (Date.now() > deadline) throw new Error(`sweep ${id} not done: ${JSON.stringify(sweep.counts)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function allRuns(id: string, pageSize: number): Promise<{ runs: SweepRun__Output[]; pages: number }> {
  const runs: SweepRun__Output[] = [];
  let pageToken = '';
  let pages = 0;
  do {
    const page = await sweeps.listSweepRuns({ sweepId: id, pageSize, pageToken });
    runs.push(...page.runs);
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken !== '');
  return { runs, pages };
}

/** Each run's best stored value of `metric` (`pick`: Math.max or Math.min) in the report row's cell and arm. */
async function rowBests(
  runs: readonly SweepRun__Output[],
  row: { readonly cell: string; readonly arm: string },
  metric: string,
  pick: (...values: number[]) => number,
): Promise<number[]> {
  const bests: number[] = [];
  for (const member of runs.filter((r) => r.cell === row.cell && r.arm === row.arm)) {
    const values: number[] = [];
    for await (const batch of service.store.metrics.replay(member.run?.id ?? '', {
      sinceStep: 0,
      names: [metric],
    })) {
      values.push(...batch.map((p) => p.value));
    }
    expect(values.length).toBeGreaterThan(0);
    bests.push(pick(...values));
  }
  return bests;
}

describe('SweepService with the smoke trainer', () => {
  let started: Sweep__Output;
  let finished: Sweep__Output;

  beforeAll(async () => {
    started = await sweeps.startSweep(SWEEP);
    finished = await waitDone(started.id);
  }, 120_000);

  it('queues cells × seeds × arms at once and echoes the request with its defaults', () => {
    expect(started.counts?.total).toBe(2 * 2 * 2);
    expect(started.cells).toEqual(['learning_rate=0.2', 'learning_rate=0.05']);
    expect(started.request?.compareNoise).toBe(true);
    expect(started.request?.objective).toMatchObject({ metric: 'test_accuracy', mode: 'OBJECTIVE_MODE_MAX' });
    expect(started.request?.base?.noise?.eta).toBe(0.01);
    expect(started.request?.base?.seed).toBe('3');
    expect(started.request?.base?.labels).toEqual({ exp: 'it' });
    expect(started.labels).toEqual({ team: 'noise' });
  });

  it('trains every run and reports each cell and arm with its counts', async () => {
    expect(finished.counts).toMatchObject({ total: 8, completed: 8, failed: 0, queued: 0, running: 0 });
    const report = finished.report;
    expect(report?.rows.map((r) => [r.cell, r.arm, r.runs, r.completed, r.evaluated, r.diverged])).toEqual([
      ['learning_rate=0.2', 'no_noise', 2, 2, 2, 0],
      ['learning_rate=0.2', 'noise', 2, 2, 2, 0],
      ['learning_rate=0.05', 'no_noise', 2, 2, 2, 0],
      ['learning_rate=0.05', 'noise', 2, 2, 2, 0],
    ]);
    expect(report?.armTotals.map((r) => [r.cell, r.arm, r.runs])).toEqual([
      ['all', 'no_noise', 4],
      ['all', 'noise', 4],
    ]);

    // The report agrees with the stored points of each run, recomputed here.
    const { runs } = await allRuns(finished.id, 100);
    for (const row of report?.rows ?? []) {
      const bests = await rowBests(runs, row, 'test_accuracy', Math.max);
      expect(row.best).toBeCloseTo(Math.max(...bests), 12);
      expect(row.mean).toBeCloseTo(bests.reduce((a, b) => a + b, 0) / bests.length, 12);
      expect(row.reached).toEqual([0.5, 0.99].map((t) => bests.filter((b) => b >= t).length));
    }
  });

  it("reports under an objective that overrides the sweep's, leaving the sweep as started", async () => {
    const { runs } = await allRuns(finished.id, 100);
    // Thresholds between the runs' best test losses, so some runs reach them and some do not.
    const all = (
      await Promise.all(
        (finished.report?.rows ?? []).map((row) => rowBests(runs, row, 'test_loss', Math.min)),
      )
    ).flat();
    const sorted = [...all].sort((a, b) => a - b);
    const thresholds = [sorted[2] ?? 0, sorted[5] ?? 0, -1];

    const overridden = await sweeps.getSweep({
      sweepId: finished.id,
      objective: { metric: 'test_loss', mode: 'OBJECTIVE_MODE_MIN', thresholds },
    });
    expect(overridden.request?.objective).toEqual(finished.request?.objective);
    expect(overridden.counts).toEqual(finished.counts);
    const report = overridden.report;
    expect(report).toMatchObject({ metric: 'test_loss', mode: 'OBJECTIVE_MODE_MIN', thresholds });
    expect(report?.rows).toHaveLength(4);
    for (const row of report?.rows ?? []) {
      const bests = await rowBests(runs, row, 'test_loss', Math.min);
      expect(row.evaluated).toBe(2);
      expect(row.best).toBeCloseTo(Math.min(...bests), 12);
      expect(row.mean).toBeCloseTo(bests.reduce((a, b) => a + b, 0) / bests.length, 12);
      expect(row.reached).toEqual(thresholds.map((t) => bests.filter((b) => b <= t).length));
    }
    // Over all cells, at least 3 and 6 of the 8 best losses reach the 3rd and 6th smallest (more on a
    // tie), none reaches -1.
    const reached = (report?.armTotals ?? []).map((r) => r.reached);
    expect(reached.reduce((a, b) => a.map((n, i) => n + (b[i] ?? 0)))).toEqual(
      thresholds.map((t) => all.filter((b) => b <= t).length),
    );
    expect(reached.flat().reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(9);

    // Empty fields fall back to the sweep's: its metric and mode with new thresholds; a loss metric
    // without a mode is minimised.
    const onlyThresholds = await sweeps.getSweep({ sweepId: finished.id, objective: { thresholds: [0] } });
    expect(onlyThresholds.report).toMatchObject({
      metric: 'test_accuracy',
      mode: 'OBJECTIVE_MODE_MAX',
      thresholds: [0],
    });
    expect(onlyThresholds.report?.armTotals.map((r) => r.reached)).toEqual([[4], [4]]);
    const loss = await sweeps.getSweep({ sweepId: finished.id, objective: { metric: 'test_loss' } });
    expect(loss.report).toMatchObject({ metric: 'test_loss', mode: 'OBJECTIVE_MODE_MIN', thresholds: [] });
    expect(loss.report?.rows).toEqual(report?.rows.map((r) => ({ ...r, reached: [] })));

    // Without an override, GetSweep reports under the sweep's own objective as before.
    expect((await sweeps.getSweep({ sweepId: finished.id })).report).toEqual(finished.report);
  });

  it('selects per cell and arm the restart with the best final value of one metric, and reports others', async () => {
    const { runs } = await allRuns(finished.id, 100);
    /** The run's stored value of `metric` at its highest step. */
    const finalOf = async (runId: string, metric: string): Promise<number> => {
      const points: { step: number; value: number }[] = [];
      for await (const batch of service.store.metrics.replay(runId, { sinceStep: 0, names: [metric] })) {
        points.push(...batch);
      }
      return points.reduce((a, b) => (b.step > a.step ? b : a)).value;
    };
    const got = await sweeps.getSweep({
      sweepId: finished.id,
      selection: { metric: 'test_loss', reportMetrics: ['test_accuracy', 'test_loss'] },
    });
    const selection = got.report?.selection;
    expect(selection?.selection).toEqual({
      metric: 'test_loss',
      mode: 'OBJECTIVE_MODE_MIN',
      reportMetrics: ['test_accuracy', 'test_loss'],
    });
    expect(selection?.rows.map((r) => [r.cell, r.arm, r.runs, r.candidates])).toEqual(
      (finished.report?.rows ?? []).map((r) => [r.cell, r.arm, 2, 2]),
    );
    const picked: Record<string, number[]> = { no_noise: [], noise: [] };
    for (const row of selection?.rows ?? []) {
      const members = runs.filter((r) => r.cell === row.cell && r.arm === row.arm);
      const finals = await Promise.all(members.map((m) => finalOf(m.run?.id ?? '', 'test_loss')));
      const best = Math.min(...finals);
      const winner = members[finals.indexOf(best)];
      expect(row.runId).toBe(winner?.run?.id);
      expect(row.seed).toBe(winner?.seed);
      expect(row.selectionValue).toBe(best);
      expect(row.values.test_loss).toBe(best);
      expect(row.values.test_accuracy).toBe(await finalOf(row.runId, 'test_accuracy'));
      picked[row.arm]?.push(row.values.test_accuracy ?? Number.NaN);
    }
    expect(selection?.totals.map((t) => [t.arm, t.cells])).toEqual([
      ['no_noise', 2],
      ['noise', 2],
    ]);
    for (const total of selection?.totals ?? []) {
      const values = picked[total.arm] ?? [];
      expect(total.means.test_accuracy).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 12);
    }
    // The objective part of the report is unchanged by a selection, and absent without one.
    expect({ ...got.report, selection: null }).toEqual(finished.report);
    expect(finished.report?.selection).toBeNull();
  });

  it('refuses a bad selection with INVALID_ARGUMENT naming the field', async () => {
    const bad = (selection: object) => sweeps.getSweep({ sweepId: finished.id, selection });
    await expect(bad({ metric: '' })).rejects.toThrow('selection.metric: got ""; allowed: a metric name');
    await expect(bad({ metric: 'train error' })).rejects.toThrow('selection.metric: got "train error"');
    await expect(bad({ metric: 'test_loss', reportMetrics: ['a', 'a'] })).rejects.toThrow(
      'selection.report_metrics[1]: got "a"; allowed: a metric not already listed',
    );
    await expect(bad({ metric: 'test_loss', mode: 7 })).rejects.toThrow('selection.mode: got 7');
    await expect(
      bad({ metric: 'test_loss', reportMetrics: Array.from({ length: 17 }, (_, i) => `m${i}`) }),
    ).rejects.toThrow('selection.report_metrics: got "17 metrics"; allowed: at most 16');
  });

  it('labels every run with its sweep, cell, arm and seed, and trains the arms as labelled', async () => {
    const { runs, pages } = await allRuns(finished.id, 3);
    expect(pages).toBe(3);
    expect(runs.map((r) => [r.cell, r.seed, r.arm])).toEqual([
      ['learning_rate=0.2', '3', 'no_noise'],
      ['learning_rate=0.2', '3', 'noise'],
      ['learning_rate=0.2', '4', 'no_noise'],
      ['learning_rate=0.2', '4', 'noise'],
      ['learning_rate=0.05', '3', 'no_noise'],
      ['learning_rate=0.05', '3', 'noise'],
      ['learning_rate=0.05', '4', 'no_noise'],
      ['learning_rate=0.05', '4', 'noise'],
    ]);
    for (const { run, cell, arm, seed } of runs) {
      expect(run?.sweepId).toBe(finished.id);
      expect(run?.labels).toEqual({
        exp: 'it',
        team: 'noise',
        sweep_id: finished.id,
        sweep_cell: cell,
        sweep_arm: arm,
        seed,
      });
      expect(run?.spec?.seed).toBe(seed);
      expect(run?.spec?.noise?.eta).toBe(arm === 'noise' ? 0.01 : 0);
      expect(run?.spec?.optimizer?.learningRate).toBe(cell === 'learning_rate=0.2' ? 0.2 : 0.05);
    }
    // The same runs are ordinary runs of the TrainingService.
    const listed = await api(service.client).listRuns({ sweepId: finished.id, pageSize: 100 });
    expect(new Set(listed.runs.map((r) => r.id))).toEqual(new Set(runs.map((r) => r.run?.id)));
  });

  it('returns the first sweep for a retried request id and queues nothing more', async () => {
    const again = await sweeps.startSweep({
      ...SWEEP,
      axes: [{ field: 'optimizer.learning_rate', values: ['1'] }],
    });
    expect(again.id).toBe(started.id);
    expect(again.counts?.total).toBe(8);
    const listed = await api(service.client).listRuns({ sweepId: started.id, pageSize: 100 });
    expect(listed.runs).toHaveLength(8);
  });

  it('averages learning curves over seeds per cell and arm', async () => {
    const curves = await sweeps.getSweepCurves({ sweepId: finished.id, metric: '' });
    expect(curves.metric).toBe('test_accuracy');
    expect(curves.curves.map((c) => [c.cell, c.arm])).toEqual([
      ['learning_rate=0.2', 'no_noise'],
      ['learning_rate=0.2', 'noise'],
      ['learning_rate=0.05', 'no_noise'],
      ['learning_rate=0.05', 'noise'],
    ]);
    for (const curve of curves.curves) {
      expect(curve.points.map((p) => p.step)).toEqual(['10', '20', '30']);
      for (const p of curve.points) {
        expect(p.runs).toBe(2);
        expect(p.min).toBeLessThanOrEqual(p.mean);
        expect(p.mean).toBeLessThanOrEqual(p.max);
      }
    }
    const loss = await sweeps.getSweepCurves({ sweepId: finished.id, metric: 'loss' });
    expect(loss.curves[0]?.points).toHaveLength(30);
    // Thinned on request: 30 steps into 4 buckets of width 7.5, each point the bucket's last step,
    // its envelope holding every value of the bucket.
    const thin = await sweeps.getSweepCurves({ sweepId: finished.id, metric: 'loss', maxPoints: 4 });
    for (const [c, curve] of thin.curves.entries()) {
      const full = loss.curves[c]?.points ?? [];
      expect(curve.points.map((p) => p.step)).toEqual(['8', '15', '23', '30']);
      for (const p of full) {
        const bucket = curve.points.find((b) => Number(b.step) >= Number(p.step));
        expect(bucket?.min).toBeLessThanOrEqual(p.min);
        expect(bucket?.max).toBeGreaterThanOrEqual(p.max);
      }
    }
  });

  it('runs a single arm without compare_noise', async () => {
    const sweep = await sweeps.startSweep({
      base: { trainer: 'smoke', maxSteps: '5' },
      axes: [{ field: 'noise.eta', values: ['0', '0.5'] }],
      compareNoise: false,
      objective: { metric: 'test_loss' },
    });
    expect(sweep.request?.objective?.mode).toBe('OBJECTIVE_MODE_MIN');
    const done = await waitDone(sweep.id);
    expect(done.report?.rows.map((r) => [r.cell, r.arm, r.runs])).toEqual([
      ['eta=0', 'no_noise', 1],
      ['eta=0.5', 'noise', 1],
    ]);
  });
});
