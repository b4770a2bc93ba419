import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepApi } from '../../../src/client/index.js';
import type { StartSweepRequest } from '../../../src/generated/proto/gradnoise/v1/StartSweepRequest.js';
import type { Sweep__Output } from '../../../src/generated/proto/gradnoise/v1/Sweep.js';
import type { SweepRun__Output } from '../../../src/generated/proto/gradnoise/v1/SweepRun.js';
import { createSweepClient } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

// ASHA through the real server, scheduler, worker threads and PostgreSQL. The judged metric is
// synthetic: `noise_std`, which every step reports and which is a pure function of the step and
// the noise settings, sqrt(eta / (1 + t)^gamma) (§3, Eq. 1). Sweeping gamma therefore ranks the
// noise arm by gamma (smaller gamma, larger std, better under MAX) with no training randomness,
// and the no-noise arm reports 0 in every run (all tied). One worker claims the runs one at a time
// in grid order and each run waits at its rung until it is judged, so the arrival order at each
// rung is the grid order and the outcome does not depend on timing.
//
// Rungs: grace 10, η 2, below 40 -> steps 10 and 20. Noise arm, gamma in grid order:
//   rung 0: 0.2 n=1 -> on; 1.0 n=2 quota 1 rank 2 -> STOP; 0.6 n=3 quota 1 rank 2 -> STOP;
//           0.1 n=4 quota 2 rank 1 -> on.
//   rung 1: 0.2 n=1 -> on; 0.1 n=2 quota 1 rank 1 -> on.
// No-noise arm: ties never rank below anyone -> every run goes on. (Judged together with the noise
// arm, its zeros would be the worst and stop.)
const SWEEP: StartSweepRequest = {
  name: 'asha',
  base: {
    trainer: 'smoke',
    maxSteps: '40',
    evalEvery: '40',
    checkpointEvery: '40',
    seed: '1',
    noise: { eta: 0.5 },
  },
  axes: [{ field: 'noise.gamma', values: ['0.2', '1', '0.6', '0.1'] }],
  seeds: 1,
  objective: { metric: 'noise_std', mode: 'OBJECTIVE_MODE_MAX', thresholds: [0.1] },
  earlyStopping: { metric: 'noise_std', gracePeriod: '10', reductionFactor: 2, maxBudget: '40' },
  requestId: 'asha-1',
};

const STOPPED = new Set(['gamma=1/noise', 'gamma=0.6/noise']);

let service: TestService;
let sweeps: SweepApi;
let close: () => void;

beforeAll(async () => {
  service = await startTestService({ workers: 1 });
  const { client, api } = createSweepClient(service.address);
  sweeps = api;
  close = () => client.close();
});
afterAll(async () => {
  close();
  await service.stop();
});

async function waitDone(id: string): Promise<Sweep__Output> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const sweep = await sweeps.getSweep({ sweepId: id });
    if (sweep.done) return sweep;
    if (Date.now() > deadline) throw new Error(`sweep not done: ${JSON.stringify(sweep.counts)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('ASHA early stopping through the service', () => {
  let sweep: Sweep__Output;
  let runs: SweepRun__Output[];

  beforeAll(async () => {
    const started = await sweeps.startSweep(SWEEP);
    sweep = await waitDone(started.id);
    runs = (await sweeps.listSweepRuns({ sweepId: started.id, pageSize: 100 })).runs;
  }, 150_000);

  it('stops exactly the runs worked out by hand, within their arm', () => {
    const outcome = Object.fromEntries(runs.map((r) => [`${r.cell}/${r.arm}`, r.run?.status]));
    for (const [key, status] of Object.entries(outcome)) {
      expect(status, key).toBe(STOPPED.has(key) ? 'RUN_STATUS_STOPPED_EARLY' : 'RUN_STATUS_COMPLETED');
    }
    expect(Object.keys(outcome)).toHaveLength(8);
    expect(sweep.counts).toMatchObject({ total: 8, completed: 6, stoppedEarly: 2, cancelled: 0, failed: 0 });
    expect(sweep.state).toBe('SWEEP_STATE_DONE');
  });

  it('stops a run at its rung with a final checkpoint there and no point after it', async () => {
    for (const member of runs.filter((r) => STOPPED.has(`${r.cell}/${r.arm}`))) {
      const id = member.run?.id ?? '';
      expect(member.run?.currentStep).toBe('10');
      expect((await service.store.checkpoints.getMeta(id, 0))?.step).toBe(10);
      const steps: number[] = [];
      for await (const batch of service.store.metrics.replay(id, { sinceStep: 0, names: ['noise_std'] })) {
        steps.push(...batch.map((p) => p.step));
      }
      expect(Math.max(...steps)).toBe(10);
    }
  });

  it('reports stopped runs per row and counts them at the thresholds by their best evaluation', () => {
    const rows = sweep.report?.rows ?? [];
    const row = (cell: string, arm: string) => rows.find((r) => r.cell === cell && r.arm === arm);
    expect(row('gamma=1', 'noise')).toMatchObject({ runs: 1, stoppedEarly: 1, completed: 0, evaluated: 1 });
    // Its best noise_std is its first step's: sqrt(0.5) ≈ 0.71 >= 0.1.
    expect(row('gamma=1', 'noise')?.reached).toEqual([1]);
    expect(row('gamma=0.2', 'noise')).toMatchObject({ runs: 1, stoppedEarly: 0, completed: 1 });
    const totals = sweep.report?.armTotals ?? [];
    expect(totals.find((t) => t.arm === 'noise')).toMatchObject({ runs: 4, stoppedEarly: 2, completed: 2 });
    expect(totals.find((t) => t.arm === 'no_noise')).toMatchObject({
      runs: 4,
      stoppedEarly: 0,
      completed: 4,
    });
  });

  it('echoes the early stopping settings with their defaults filled', () => {
    expect(sweep.request?.earlyStopping).toEqual({
      metric: 'noise_std',
      mode: 'OBJECTIVE_MODE_MAX',
      gracePeriod: '10',
      reductionFactor: 2,
      maxBudget: '40',
    });
  });
});
