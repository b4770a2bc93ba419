import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartRunRequest } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { decodeCheckpoint } from '../../../src/runs/index.js';
import { api, createSweepClient, failure, waitForStatus } from '../../helpers/client.js';
import { fieldViolation } from '../../helpers/field-violation.js';
import { startTestService, type TestService } from '../../helpers/service.js';

// StartRun with init_from through a real server, workers and PostgreSQL: a fork's bit-identity with
// its parent, a fine-tune, and every refusal with its code and field.

let service: TestService;
let client: ReturnType<typeof api>;
let parentId: string;

/** The paper's MLP (§4.1), small: 2 × 8 units on 200 digits, checkpoints every 4 of 12 steps. */
const PARENT: StartRunRequest = {
  trainer: 'mlp',
  mlp: {
    depth: 2,
    width: 8,
    batchSize: 25,
    data: { source: 'DATA_SOURCE_KIND_MNIST', trainSize: 200, testSize: 50 },
  },
  optimizer: { kind: 'OPTIMIZER_KIND_ADAM', learningRate: 0.01 },
  noise: { eta: 0.3 },
  seed: 3,
  maxSteps: 12,
  evalEvery: 6,
  checkpointEvery: 4,
};

beforeAll(async () => {
  service = await startTestService({ workers: 1 });
  client = api(service.client);
  parentId = (await client.startRun(PARENT)).id;
  await waitForStatus(service.client, parentId, ['RUN_STATUS_COMPLETED'], 120_000);
}, 180_000);
afterAll(() => service.stop());

const tensorsAt = async (runId: string, step: number, part: 'model' | 'optimizer') => {
  const chunks = await client.getCheckpoint({ runId, step });
  const bytes = Buffer.concat(chunks.map((c) => c.data));
  return decodeCheckpoint(bytes)[part].map((t) => [
    t.name,
    t.shape,
    Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength),
  ]);
};

describe('StartRun with init_from', () => {
  it('forks at step k (FULL) and, with the parent’s spec, reaches the parent’s step N bit for bit', async () => {
    const parent = await client.getRun({ runId: parentId });
    const fork = await client.startRun({
      ...parent.spec,
      requestId: '',
      initFrom: { runId: parentId, step: 4, mode: 'INIT_MODE_FULL' },
    });
    const expected = { runId: parentId, step: '4', mode: 'INIT_MODE_FULL' };
    expect(fork.initFrom).toEqual(expected);
    expect(fork.spec?.initFrom).toEqual(expected);
    const done = await waitForStatus(
      service.client,
      fork.id,
      ['RUN_STATUS_COMPLETED', 'RUN_STATUS_FAILED'],
      120_000,
    );
    expect(done).toMatchObject({
      status: 'RUN_STATUS_COMPLETED',
      error: '',
      currentStep: '12',
      initFrom: expected,
    });
    for (const part of ['model', 'optimizer'] as const) {
      expect(await tensorsAt(fork.id, 12, part)).toEqual(await tensorsAt(parentId, 12, part));
    }
    // Its own series starts after the step it forked at.
    const { checkpoints } = await client.listCheckpoints({ runId: fork.id });
    expect(checkpoints.map((c) => Number(c.step))).toEqual([8, 12]);
    const loss = await client.getRunMetrics({ runId: fork.id, names: ['loss'] });
    expect(loss.points.map((p) => Number(p.step))).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('fine-tunes from the latest checkpoint (step 0, mode unset: WEIGHTS) with another optimizer', async () => {
    const run = await client.startRun({
      ...PARENT,
      optimizer: { kind: 'OPTIMIZER_KIND_SGD', learningRate: 0.05 },
      maxSteps: 3,
      checkpointEvery: 3,
      initFrom: { runId: parentId },
    });
    expect(run.initFrom).toEqual({ runId: parentId, step: '12', mode: 'INIT_MODE_WEIGHTS' });
    const done = await waitForStatus(
      service.client,
      run.id,
      ['RUN_STATUS_COMPLETED', 'RUN_STATUS_FAILED'],
      120_000,
    );
    expect(done).toMatchObject({ status: 'RUN_STATUS_COMPLETED', currentStep: '3' });
  });

  it('fails the run before its first step when a model tensor differs, naming it and both shapes', async () => {
    const run = await client.startRun({
      ...PARENT,
      mlp: { ...PARENT.mlp, width: 16 },
      initFrom: { runId: parentId, step: 8 },
    });
    const done = await waitForStatus(
      service.client,
      run.id,
      ['RUN_STATUS_COMPLETED', 'RUN_STATUS_FAILED'],
      120_000,
    );
    expect(done.status).toBe('RUN_STATUS_FAILED');
    expect(done.error).toContain(
      `init_from: tensor model/layer0/kernel is F32 [784, 8] in the checkpoint of run ${parentId} at step 8, ` +
        'F32 [784, 16] in this run',
    );
    expect((await client.getRunMetrics({ runId: run.id })).points).toEqual([]);
  });

  it('refuses a run of another project, an unknown run and a step without a checkpoint with NOT_FOUND naming the field', async () => {
    const { run: other } = await service.store.runs.create({
      project: 'other',
      requestId: null,
      spec: (await service.store.runs.get('default', parentId)).spec,
      labels: {},
    });
    const bytes = new Uint8Array([1, 2, 3]);
    await service.store.checkpoints.save(
      { runId: other.id, step: 4, sizeBytes: 3, sha256: 'ab'.repeat(32), format: 'safetensors', index: {} },
      bytes,
    );
    for (const [initFrom, text] of [
      [{ runId: other.id, step: 4 }, `init_from.run_id: run "${other.id}" not found`],
      [{ runId: '00000000-0000-4000-8000-000000000000' }, 'init_from.run_id: run "00000000-'],
      [{ runId: 'not-a-uuid' }, 'init_from.run_id: run "not-a-uuid" not found'],
      [{ runId: parentId, step: 5 }, `init_from.step: run ${parentId} has no checkpoint at step 5`],
    ] as const) {
      const error = await failure(client.startRun({ ...PARENT, initFrom }));
      expect(error.code).toBe(status.NOT_FOUND);
      expect(error.details).toContain(text);
    }
  });

  it('refuses another trainer, or a fork with another optimizer, with FAILED_PRECONDITION', async () => {
    const smoke = await failure(client.startRun({ trainer: 'smoke', initFrom: { runId: parentId } }));
    expect(smoke.code).toBe(status.FAILED_PRECONDITION);
    expect(smoke.details).toBe(
      `init_from: the checkpoint of run ${parentId} at step 12 is of trainer mlp; this run's trainer is smoke`,
    );
    const sgd = await failure(
      client.startRun({
        ...PARENT,
        optimizer: { kind: 'OPTIMIZER_KIND_SGD' },
        initFrom: { runId: parentId, step: 4, mode: 'INIT_MODE_FULL' },
      }),
    );
    expect(sgd.code).toBe(status.FAILED_PRECONDITION);
    expect(sgd.details).toContain('mode FULL continues the optimizer state');
  });

  it.each<[string, Partial<StartRunRequest>, string]>([
    ['an empty run_id', { initFrom: { runId: '' } }, 'init_from.run_id: got ""; allowed: a non-empty id'],
    [
      'a negative step',
      { initFrom: { runId: 'x', step: -1 } },
      'init_from.step: got "-1"; allowed: an integer in [0, 2147483647]',
    ],
    ['a step past int4', { initFrom: { runId: 'x', step: 2 ** 31 } }, 'init_from.step: got "2147483648"'],
    [
      'an unknown mode',
      { initFrom: { runId: 'x', mode: 7 as unknown as 'INIT_MODE_FULL' } },
      'init_from.mode: got 7',
    ],
    [
      'a fork whose max_steps does not pass the step',
      { maxSteps: 8, initFrom: { runId: 'PARENT', step: 8, mode: 'INIT_MODE_FULL' } },
      'max_steps: got 8; allowed: more than init_from.step (8): mode FULL continues from that step',
    ],
  ])('answers %s with INVALID_ARGUMENT naming the field', async (_, overrides, text) => {
    const initFrom =
      overrides.initFrom?.runId === 'PARENT'
        ? { ...overrides.initFrom, runId: parentId }
        : overrides.initFrom;
    const error = await failure(client.startRun({ ...PARENT, ...overrides, initFrom: initFrom ?? null }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain(text);
    expect(fieldViolation(error).field).toBe(text.slice(0, text.indexOf(':')));
  });

  it('refuses init_from in a sweep’s base and on an axis', async () => {
    const { client: sweepClient, api: sweeps } = createSweepClient(service.address);
    try {
      const base = await failure(sweeps.startSweep({ base: { ...PARENT, initFrom: { runId: parentId } } }));
      expect(base.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldViolation(base).field).toBe('base.init_from');
      const axis = await failure(
        sweeps.startSweep({ base: PARENT, axes: [{ field: 'init_from.step', values: ['4', '8'] }] }),
      );
      expect(axis.code).toBe(status.INVALID_ARGUMENT);
      expect(axis.details).toContain("a sweep's runs start from scratch");
    } finally {
      sweepClient.close();
    }
  });
});
