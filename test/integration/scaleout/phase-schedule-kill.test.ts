import { describe, expect, it } from 'vitest';
import type { StartRunRequest } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { jsonToStruct } from '../../../src/protocol/index.js';
import { decodeCheckpoint } from '../../../src/runs/index.js';
import { api, createClient } from '../../helpers/client.js';
import { useReplicaCluster } from './cluster.js';
import { eventually, metricHistory } from './series.js';

// A phase change (the memory network's linear start, paper §4.2) and a learning-rate decay on a
// plateau both live in the session's and the schedule's state, not in (seed, step): a resume is
// exact only if the checkpoint carries them. Real processes, real kill -9, as crash-recovery does,
// with the test trainer `phased` loaded as a plugin by every replica and its workers.

const MODULES = { GRADNOISE_TRAINER_MODULES: './test/fixtures/plugins/phased.ts' };
const MAX_STEPS = 6000;
const SWITCH_AT = 300;

const SPEC: StartRunRequest = {
  trainer: 'phased',
  configStruct: jsonToStruct({ switch_at: SWITCH_AT }),
  optimizer: { kind: 'OPTIMIZER_KIND_SGD', learningRate: 0.05 },
  noise: { eta: 0.01 },
  // min_delta larger than any improvement: every evaluation counts as a plateau, so the rate halves
  // after each run of patience + 1 = 3 evaluations and the count in between is state.
  lrSchedule: {
    kind: 'LEARNING_RATE_SCHEDULE_KIND_PLATEAU',
    metric: 'eval_loss',
    factor: 0.5,
    patience: 2,
    minDelta: 10,
    minLearningRate: 0.0005,
  },
  seed: 3,
  maxSteps: MAX_STEPS,
  evalEvery: 40,
  checkpointEvery: 100,
};

describe('a phase change and a plateau schedule survive kill -9', () => {
  const cluster = useReplicaCluster(MODULES);
  const start = (id: string) => cluster.start(id);
  const history = (id: string) => metricHistory(cluster.store.metrics, id);

  it('resumes in the phase and schedule state of its checkpoint, bit-identical to an uninterrupted run', async () => {
    const { store } = cluster;
    const first = await start('replica-a');
    const clientA = createClient(first.address);
    const killed = await api(clientA).startRun({ ...SPEC, requestId: 'killed' });
    clientA.close();

    // Kill it after a checkpoint past the switch (the schedule has decayed by then).
    const at = await eventually(
      'a checkpoint past the phase switch',
      async () => {
        const run = await store.runs.get('default', killed.id);
        if (run.status !== 'QUEUED' && run.status !== 'RUNNING') {
          throw new Error(`the run ended ${run.status} before the kill: ${run.error ?? ''}`);
        }
        const meta = await store.checkpoints.getMeta(killed.id, 0);
        // The stored current step lags the trainer by up to a progress interval, so it cannot tell
        // whether training went on past the checkpoint; any checkpoint before the end will do.
        return meta !== null && meta.step > SWITCH_AT + 100 && meta.step < MAX_STEPS - 1000
          ? meta
          : undefined;
      },
      120_000,
      20,
    );
    await first.kill();
    const saved = decodeCheckpoint(await store.checkpoints.getData(killed.id, at.step));
    expect(saved.phase).toBe('default');
    expect(saved.lrSchedule.scale).toBeLessThan(1);

    const second = await start('replica-b');
    const clientB = createClient(second.address);
    const straight = await api(clientB).startRun({ ...SPEC, requestId: 'straight' });
    clientB.close();
    const done = await eventually(
      'both runs to finish',
      async () => {
        const a = await store.runs.get('default', killed.id);
        const b = await store.runs.get('default', straight.id);
        return a.status === 'COMPLETED' && b.status === 'COMPLETED' ? a : undefined;
      },
      180_000,
      200,
    );
    expect(done).toMatchObject({ attempt: 2, currentStep: MAX_STEPS });

    const resumed = await history(killed.id);
    expect(resumed).toEqual(await history(straight.id));
    // The run really changed phase and decayed more than once, after the resume too.
    const phases = resumed.filter(([, name]) => name === 'phase').map(([step, , value]) => [step, value]);
    expect(phases).toEqual([
      [1, 0],
      [SWITCH_AT, 1],
    ]);
    const rates = new Set(resumed.filter(([, name]) => name === 'learning_rate').map(([, , v]) => v));
    expect(rates.size).toBeGreaterThan(3);
    const finalOf = async (id: string) =>
      decodeCheckpoint(await store.checkpoints.getData(id, MAX_STEPS)).model.map((t) => [
        t.name,
        Buffer.from(t.values.buffer).toString('base64'),
      ]);
    expect(await finalOf(killed.id)).toEqual(await finalOf(straight.id));
  }, 420_000);
});
