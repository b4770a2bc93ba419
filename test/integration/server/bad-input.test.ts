import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataRootPolicy } from '../../../src/data/index.js';
import type { StartRunRequest } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { api } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
beforeAll(async () => {
  // As main.ts passes the policy compiled from GRADNOISE_DATA_ROOTS.
  service = await startTestService({}, dataRootPolicy(['/nonexistent'], 'GRADNOISE_DATA_ROOTS'));
});
afterAll(async () => {
  await service.stop();
});

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

/** [description, request, expected code, text the message must contain]. */
const START_RUN_CASES: ReadonlyArray<[string, StartRunRequest, status, string]> = [
  ['empty trainer', { trainer: '' }, status.INVALID_ARGUMENT, 'trainer: got ""'],
  [
    'unknown trainer',
    { trainer: 'resnet' },
    status.INVALID_ARGUMENT,
    'trainer: got "resnet"; allowed: one of',
  ],
  [
    'config of another trainer',
    { trainer: 'smoke', mlp: { depth: 3 } },
    status.INVALID_ARGUMENT,
    'config: got "mlp"',
  ],
  [
    'negative eta',
    { trainer: 'smoke', noise: { eta: -1 } },
    status.INVALID_ARGUMENT,
    'noise.eta: got -1; allowed: a finite number >= 0',
  ],
  [
    'NaN eta',
    { trainer: 'smoke', noise: { eta: Number.NaN } },
    status.INVALID_ARGUMENT,
    'noise.eta: got NaN; allowed: a finite number >= 0',
  ],
  [
    'infinite eta',
    { trainer: 'smoke', noise: { eta: Number.POSITIVE_INFINITY } },
    status.INVALID_ARGUMENT,
    'noise.eta: got Infinity',
  ],
  [
    'negative gamma',
    { trainer: 'smoke', noise: { gamma: -0.5 } },
    status.INVALID_ARGUMENT,
    'noise.gamma: got -0.5',
  ],
  [
    'unknown schedule',
    { trainer: 'smoke', noise: { schedule: 7 as unknown as 'SCHEDULE_FIXED' } },
    status.INVALID_ARGUMENT,
    'noise.schedule: got 7',
  ],
  [
    'unknown target',
    { trainer: 'smoke', noise: { target: 9 as unknown as 'NOISE_TARGET_WEIGHT' } },
    status.INVALID_ARGUMENT,
    'noise.target: got 9',
  ],
  [
    'unknown noise generator',
    { trainer: 'smoke', noise: { generator: 5 as unknown as 'NOISE_GENERATOR_ZIGGURAT' } },
    status.INVALID_ARGUMENT,
    'noise.generator: got 5',
  ],
  [
    'negative steps_per_tick',
    { trainer: 'smoke', noise: { stepsPerTick: -2 } },
    status.INVALID_ARGUMENT,
    'noise.steps_per_tick: got -2; allowed: an integer >= 1',
  ],
  [
    'steps_per_tick beyond a safe integer',
    { trainer: 'smoke', noise: { stepsPerTick: '9007199254740993' } },
    status.INVALID_ARGUMENT,
    'noise.steps_per_tick: got "9007199254740993"; allowed: an integer in [-9007199254740991, 9007199254740991]',
  ],
  [
    'zero clip by value',
    { trainer: 'smoke', clip: { byValue: 0 } },
    status.INVALID_ARGUMENT,
    'clip.by_value: got 0; allowed: a finite number > 0',
  ],
  [
    'zero per-tensor clip',
    { trainer: 'smoke', clip: { byTensorNorm: 0 } },
    status.INVALID_ARGUMENT,
    'clip.by_tensor_norm: got 0; allowed: a finite number > 0',
  ],
  [
    'infinite per-tensor clip',
    { trainer: 'smoke', clip: { byTensorNorm: Number.POSITIVE_INFINITY } },
    status.INVALID_ARGUMENT,
    'clip.by_tensor_norm: got Infinity; allowed: a finite number > 0',
  ],
  [
    'negative global-norm clip',
    { trainer: 'smoke', clip: { byGlobalNorm: -1 } },
    status.INVALID_ARGUMENT,
    'clip.by_global_norm: got -1',
  ],
  [
    'zero schedule factor',
    { trainer: 'smoke', lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', factor: 0, everySteps: 5 } },
    status.INVALID_ARGUMENT,
    'lr_schedule.factor: got 0; allowed: a number in (0, 1]',
  ],
  [
    'step schedule without an interval',
    { trainer: 'smoke', lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP' } },
    status.INVALID_ARGUMENT,
    "lr_schedule.every_steps: got undefined; allowed: an integer >= 1 (or every_epochs) for kind 'step'",
  ],
  [
    'step schedule in steps and epochs',
    {
      trainer: 'smoke',
      lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', everySteps: 5, everyEpochs: 2 },
    },
    status.INVALID_ARGUMENT,
    'lr_schedule.every_epochs: got 2; allowed: unset when every_steps is set',
  ],
  [
    'negative schedule interval',
    { trainer: 'smoke', lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', everySteps: -3 } },
    status.INVALID_ARGUMENT,
    'lr_schedule.every_steps: got "-3"',
  ],
  [
    'minimum rate above the rate',
    {
      trainer: 'smoke',
      optimizer: { learningRate: 0.1 },
      lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', everySteps: 5, minLearningRate: 0.5 },
    },
    status.INVALID_ARGUMENT,
    'lr_schedule.min_learning_rate: got 0.5; allowed: a number in [0, 0.1] (the learning rate)',
  ],
  [
    'plateau of an undeclared metric',
    { trainer: 'smoke', lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_PLATEAU', metric: 'bleu' } },
    status.INVALID_ARGUMENT,
    'lr_schedule.metric: got "bleu"; allowed: an evaluation metric of the trainer: train_accuracy, train_loss, test_accuracy, test_loss',
  ],
  [
    'plateau without a metric',
    { trainer: 'smoke', lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_PLATEAU' } },
    status.INVALID_ARGUMENT,
    'lr_schedule.metric: got undefined; allowed: one of train_accuracy',
  ],
  [
    'negative patience',
    {
      trainer: 'smoke',
      lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_PLATEAU', metric: 'test_loss', patience: -1 },
    },
    status.INVALID_ARGUMENT,
    'lr_schedule.patience: got -1; allowed: an integer in [0, 1000000]',
  ],
  [
    'negative min_delta',
    {
      trainer: 'smoke',
      lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_PLATEAU', metric: 'test_loss', minDelta: -0.1 },
    },
    status.INVALID_ARGUMENT,
    'lr_schedule.min_delta: got -0.1; allowed: a finite number >= 0',
  ],
  [
    'plateau field on a step schedule',
    {
      trainer: 'smoke',
      lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', everySteps: 5, patience: 2 },
    },
    status.INVALID_ARGUMENT,
    "lr_schedule.patience: got 2; allowed: unset for kind 'step'",
  ],
  [
    'schedule from the phase start on a trainer without phases',
    {
      trainer: 'smoke',
      lrSchedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', everySteps: 5, fromPhaseStart: true },
    },
    status.INVALID_ARGUMENT,
    'lr_schedule.from_phase_start: got true; allowed: false for a trainer that declares no phases',
  ],
  [
    'unknown schedule kind',
    { trainer: 'smoke', lrSchedule: { kind: 9 as unknown as 'LEARNING_RATE_SCHEDULE_KIND_STEP' } },
    status.INVALID_ARGUMENT,
    'lr_schedule.kind: got 9',
  ],
  [
    'negative seed',
    { trainer: 'smoke', seed: -1 },
    status.INVALID_ARGUMENT,
    'seed: got "-1"; allowed: an integer in [0, 4294967295]',
  ],
  [
    'seed above 32 bits',
    { trainer: 'smoke', seed: '4294967296' },
    status.INVALID_ARGUMENT,
    'seed: got "4294967296"',
  ],
  ['negative max_steps', { trainer: 'smoke', maxSteps: -5 }, status.INVALID_ARGUMENT, 'max_steps: got "-5"'],
  [
    'huge max_steps',
    { trainer: 'smoke', maxSteps: '9007199254740993' },
    status.INVALID_ARGUMENT,
    'max_steps: got "9007199254740993"',
  ],
  [
    'both budgets',
    { trainer: 'smoke', maxSteps: 10, maxEpochs: 2 },
    status.INVALID_ARGUMENT,
    'max_epochs: got 2',
  ],
  [
    'negative eval_every',
    { trainer: 'smoke', evalEvery: -1 },
    status.INVALID_ARGUMENT,
    'eval_every: got "-1"',
  ],
  [
    'negative checkpoint_every',
    { trainer: 'smoke', checkpointEvery: -1 },
    status.INVALID_ARGUMENT,
    'checkpoint_every: got "-1"',
  ],
  [
    'unknown stream version',
    { trainer: 'smoke', streamVersion: 3 },
    status.INVALID_ARGUMENT,
    'stream_version: got 3; allowed: one of 1, 2 (0 or unset: the current, 2)',
  ],
  [
    'negative stream version',
    { trainer: 'smoke', streamVersion: -1 },
    status.INVALID_ARGUMENT,
    'stream_version: got -1',
  ],
  [
    'zero learning rate',
    { trainer: 'smoke', optimizer: { learningRate: 0 } },
    status.INVALID_ARGUMENT,
    'optimizer.learning_rate: got 0',
  ],
  [
    'momentum out of range',
    { trainer: 'smoke', optimizer: { kind: 'OPTIMIZER_KIND_MOMENTUM', momentum: 1.5 } },
    status.INVALID_ARGUMENT,
    'optimizer.momentum: got 1.5',
  ],
  [
    'unknown optimizer kind',
    { trainer: 'smoke', optimizer: { kind: 42 as unknown as 'OPTIMIZER_KIND_SGD' } },
    status.INVALID_ARGUMENT,
    'optimizer.kind: got 42',
  ],
  ['mlp depth 0', { trainer: 'mlp', mlp: { depth: 0 } }, status.INVALID_ARGUMENT, 'mlp.depth: got 0'],
  [
    'neural_gpu solved_seq_error above 1',
    { trainer: 'neural_gpu', neuralGpu: { solvedSeqError: 1.5 } },
    status.INVALID_ARGUMENT,
    'neural_gpu.solved_seq_error: got 1.5; allowed: a number in [0, 1]',
  ],
  [
    'mlp negative width',
    { trainer: 'mlp', mlp: { width: -1 } },
    status.INVALID_ARGUMENT,
    'mlp.width: got -1',
  ],
  [
    'mlp dropout 1.5',
    { trainer: 'mlp', mlp: { dropoutRate: 1.5 } },
    status.INVALID_ARGUMENT,
    'mlp.dropout_rate: got 1.5',
  ],
  [
    'mlp batch 0',
    { trainer: 'mlp', mlp: { batchSize: 0 } },
    status.INVALID_ARGUMENT,
    'mlp.batch_size: got 0',
  ],
  [
    'mlp unknown init',
    { trainer: 'mlp', mlp: { init: 11 as unknown as 'MLP_INIT_HE' } },
    status.INVALID_ARGUMENT,
    'mlp.init: got 11',
  ],
  [
    'mlp idx dir missing on the server',
    { trainer: 'mlp', mlp: { data: { source: 'DATA_SOURCE_KIND_IDX', dir: '/nonexistent/gradnoise-data' } } },
    status.FAILED_PRECONDITION,
    '/nonexistent/gradnoise-data',
  ],
  [
    'mlp idx dir outside the data roots',
    { trainer: 'mlp', mlp: { data: { source: 'DATA_SOURCE_KIND_IDX', dir: '/etc/../etc/ssl' } } },
    status.INVALID_ARGUMENT,
    'data.dir: got "/etc/../etc/ssl"; allowed: a directory in /nonexistent',
  ],
  [
    'too many labels',
    { trainer: 'smoke', labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) },
    status.INVALID_ARGUMENT,
    'labels: got "33 labels"; allowed: at most 32 labels',
  ],
  [
    'bad label key',
    { trainer: 'smoke', labels: { 'has space': 'v' } },
    status.INVALID_ARGUMENT,
    'labels["has space"]',
  ],
  [
    'long label value',
    { trainer: 'smoke', labels: { k: 'x'.repeat(300) } },
    status.INVALID_ARGUMENT,
    'labels["k"]',
  ],
  [
    'long request_id',
    { trainer: 'smoke', requestId: 'r'.repeat(129) },
    status.INVALID_ARGUMENT,
    'request_id: got',
  ],
];

describe('bad input: every RPC answers with the documented code and names the field', () => {
  it.each(START_RUN_CASES)('StartRun rejects %s', async (_name, request, code, text) => {
    const error = await api(service.client)
      .startRun(request)
      .then(
        () => null,
        (e: { code: number; details: string }) => e,
      );
    expect(error).not.toBeNull();
    expect(error?.code).toBe(code);
    expect(error?.details).toContain(text);
  });

  it('stores nothing for rejected requests', async () => {
    const page = await api(service.client).listRuns({ pageSize: 1000 });
    expect(page.runs).toHaveLength(0);
  });

  it('GetRun: empty id INVALID_ARGUMENT, unknown or malformed id NOT_FOUND', async () => {
    const client = api(service.client);
    await expect(client.getRun({ runId: '' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('run_id'),
    });
    await expect(client.getRun({ runId: UNKNOWN_UUID })).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(client.getRun({ runId: 'not-a-uuid' })).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(client.getRun({ runId: 'x'.repeat(65) })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });

  it('ListRuns: bad page_size, page_token and status are INVALID_ARGUMENT', async () => {
    const client = api(service.client);
    await expect(client.listRuns({ pageSize: -1 })).rejects.toMatchObject({
      details: expect.stringContaining('page_size: got -1'),
    });
    await expect(client.listRuns({ pageSize: 5000 })).rejects.toMatchObject({
      details: expect.stringContaining('page_size: got 5000'),
    });
    await expect(client.listRuns({ pageToken: 'garbage!' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('page_token'),
    });
    await expect(client.listRuns({ statuses: [99 as unknown as 'RUN_STATUS_QUEUED'] })).rejects.toMatchObject(
      {
        details: expect.stringContaining('statuses[0]: got 99'),
      },
    );
    await expect(client.listRuns({ statuses: ['RUN_STATUS_UNSPECIFIED'] })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });

  it('CancelRun: empty id INVALID_ARGUMENT, unknown id NOT_FOUND', async () => {
    const client = api(service.client);
    await expect(client.cancelRun({ runId: '' })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(client.cancelRun({ runId: UNKNOWN_UUID })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('StreamMetrics: bad run id, negative since_step, too many names', async () => {
    const client = api(service.client);
    await expect(client.streamMetrics({ runId: '' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
    await expect(client.streamMetrics({ runId: UNKNOWN_UUID })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
    await expect(client.streamMetrics({ runId: UNKNOWN_UUID, sinceStep: -1 })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('since_step: got "-1"'),
    });
    const names = Array.from({ length: 65 }, (_, i) => `m${i}`);
    await expect(client.streamMetrics({ runId: UNKNOWN_UUID, names })).rejects.toMatchObject({
      details: expect.stringContaining('names'),
    });
  });

  it('GetCheckpoint: unknown run NOT_FOUND, negative step INVALID_ARGUMENT, no checkpoint NOT_FOUND', async () => {
    const client = api(service.client);
    await expect(client.getCheckpoint({ runId: UNKNOWN_UUID })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
    await expect(client.getCheckpoint({ runId: UNKNOWN_UUID, step: -3 })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('step: got "-3"'),
    });
    // A long run that has not reached its first checkpoint has none to serve.
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 1_000_000, checkpointEvery: 1_000_000 });
    await expect(client.getCheckpoint({ runId: run.id })).rejects.toMatchObject({ code: status.NOT_FOUND });
    await client.cancelRun({ runId: run.id });
  });

  it('is still serving after all of it', async () => {
    const { trainers } = await api(service.client).listTrainers({});
    expect(trainers.length).toBeGreaterThan(0);
  });
});
