import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { StartRunRequest } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { decodeCheckpoint } from '../../../src/runs/index.js';
import { api, createClient } from '../../helpers/client.js';
import { describeNative } from '../../helpers/native.js';
import { useReplicaCluster } from './cluster.js';
import { checkLossSeries, eventually, metricHistory } from './series.js';

/**
 * The `native` backend through the service, in real processes: an mlp run trains on it and is
 * recorded as `native`; a replica killed with kill -9 mid-run has its run resumed by another from
 * the checkpoint, bit-identical to an uninterrupted run on the same backend; and without the addon,
 * `auto` starts on wasm and says why.
 */

const SPEC: StartRunRequest = {
  trainer: 'mlp',
  mlp: { depth: 3, width: 16, batchSize: 32, data: { trainSize: 512, testSize: 256 } },
  // The trainer's defaults otherwise: SGD at 0.1 (the native in-place step), noise η = 0.01, γ = 0.55.
  seed: 7,
  maxSteps: 3000,
  evalEvery: 1000,
  checkpointEvery: 100,
};

const modelTensors = (bytes: Uint8Array) =>
  decodeCheckpoint(bytes).model.map((t) => ({
    name: t.name,
    shape: t.shape,
    bytes: Buffer.from(t.values.buffer),
  }));

describeNative('the native backend through the service (kill -9)', () => {
  const cluster = useReplicaCluster({ GRADNOISE_BACKEND: 'native' });

  it('trains an mlp run on native and resumes it exactly after a kill -9', async () => {
    const { store, db } = cluster;
    const first = await cluster.start('native-a');
    const selected = first.logs.find((l) => l.msg === 'tfjs backend selected');
    expect(selected).toMatchObject({ backend: 'native', tfjs: 'wasm' });
    expect(String(selected?.device)).toMatch(/OpenBLAS/);
    const clientA = createClient(first.address);
    const killed = await api(clientA).startRun({ ...SPEC, requestId: 'killed' });
    clientA.close();
    const progress = await eventually(
      'a checkpoint mid-run',
      async () => {
        const checkpoint = await store.checkpoints.getMeta(killed.id, 0);
        const run = await store.runs.get('default', killed.id);
        return run.status === 'RUNNING' && checkpoint !== null && checkpoint.step < 2000
          ? { checkpoint: checkpoint.step }
          : undefined;
      },
      120_000,
      5,
    );
    await sleep(20);
    await first.kill();

    const second = await cluster.start('native-b');
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
    expect(done).toMatchObject({ attempt: 2, error: null, currentStep: 3000, backend: 'native' });
    const resumed = second.logs.find(
      (l) => l.msg === 'run resumed from its checkpoint' && l.runId === killed.id,
    );
    expect(Number(resumed?.fromStep)).toBeGreaterThanOrEqual(progress.checkpoint);
    const [killedSeries] = await checkLossSeries(db.url, [{ id: killed.id, maxSteps: 3000 }]);
    expect(killedSeries).toMatchObject({ points: 3000, missing: [], duplicates: 0 });
    const history = (id: string) => metricHistory(store.metrics, id);
    expect(await history(killed.id)).toEqual(await history(straight.id));
    const finalOf = async (id: string) => modelTensors(await store.checkpoints.getData(id, 3000));
    const weights = await finalOf(killed.id);
    // Same tensor names and shapes as on every backend: the checkpoint is portable.
    expect(weights.map((w) => [w.name, w.shape])).toEqual([
      ['layer0/kernel', [784, 16]],
      ['layer0/bias', [16]],
      ['layer1/kernel', [16, 16]],
      ['layer1/bias', [16]],
      ['layer2/kernel', [16, 16]],
      ['layer2/bias', [16]],
      ['layer3/kernel', [16, 10]],
      ['layer3/bias', [10]],
    ]);
    expect(weights).toEqual(await finalOf(straight.id));
    await second.stop();
  }, 420_000);
});

describe('the native backend without its addon', () => {
  const cluster = useReplicaCluster();

  it('is passed by under auto, with the reason logged, and the replica trains on wasm', async () => {
    const replica = await cluster.start('no-native', {
      GRADNOISE_BACKEND: 'auto',
      GRADNOISE_NATIVE_ADDON: '/nonexistent/gradnoise_native.node',
    });
    const selected = replica.logs.find((l) => l.msg === 'tfjs backend selected');
    expect(selected).toMatchObject({ backend: 'wasm', tfjs: 'wasm' });
    const why = replica.logs.find((l) => String(l.msg).startsWith('native backend not used'));
    expect(why?.reason).toBe(
      'the native addon is not built (no /nonexistent/gradnoise_native.node); build it with ' +
        'npm run build:native (needs a C compiler, make, python3 and libopenblas-dev)',
    );
    await replica.stop();
  }, 120_000);
});
