import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepApi } from '../../../src/client/index.js';
import type { GetSweepCurvesRequest } from '../../../src/generated/proto/gradnoise/v1/GetSweepCurvesRequest.js';
import type { GetSweepRequest } from '../../../src/generated/proto/gradnoise/v1/GetSweepRequest.js';
import type { ListSweepRunsRequest } from '../../../src/generated/proto/gradnoise/v1/ListSweepRunsRequest.js';
import type { StartSweepRequest } from '../../../src/generated/proto/gradnoise/v1/StartSweepRequest.js';
import { createSweepClient, failure } from '../../helpers/client.js';
import { fieldViolation } from '../../helpers/field-violation.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
let sweeps: SweepApi;
let close: () => void;
let sweepId: string;

beforeAll(async () => {
  // No workers needed: these tests only look at validation and lookups.
  service = await startTestService({ workers: 1, pollMs: 60_000 });
  const { client, api } = createSweepClient(service.address);
  sweeps = api;
  close = () => client.close();
  sweepId = (await sweeps.startSweep({ base: { trainer: 'smoke', maxSteps: '1' } })).id;
});
afterAll(async () => {
  close();
  await service.stop();
});

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
const SMOKE = { trainer: 'smoke', maxSteps: '10' };

const START_CASES: ReadonlyArray<[string, StartSweepRequest, string]> = [
  ['no base', {}, 'base: got null'],
  ['an unknown trainer', { base: { trainer: 'resnet' } }, 'base.trainer: got "resnet"'],
  ['a bad base field', { base: { ...SMOKE, noise: { gamma: -1 } } }, 'base.noise.gamma: got -1'],
  ['a base request id', { base: { ...SMOKE, requestId: 'x' } }, 'base.request_id: got "x"'],
  [
    'an unknown axis field',
    { base: SMOKE, axes: [{ field: 'optimizer.lr', values: ['1'] }] },
    'axes[0].field: got "optimizer.lr"',
  ],
  ['a seed axis', { base: SMOKE, axes: [{ field: 'seed', values: ['1'] }] }, 'axes[0].field: got "seed"'],
  [
    'an axis of another trainer',
    { base: SMOKE, axes: [{ field: 'mlp.depth', values: ['2'] }] },
    'axes[0].field: got "mlp.depth"',
  ],
  [
    'a value of the wrong type',
    { base: SMOKE, axes: [{ field: 'smoke.layers', values: ['1', 'two'] }] },
    'axes[0].values[1]: got "two"; allowed: an integer',
  ],
  [
    'a value the run rejects',
    { base: SMOKE, axes: [{ field: 'optimizer.learning_rate', values: ['0.1', '-1'] }] },
    'axes[0].values[1]: got "-1"; allowed:',
  ],
  [
    'more than 10,000 runs',
    { base: SMOKE, seeds: 1000, axes: [{ field: 'smoke.layers', values: ['1', '2', '3', '4', '5', '6'] }] },
    'at most 10000 runs per sweep',
  ],
  ['too many seeds', { base: SMOKE, seeds: 5000 }, 'seeds: got 5000'],
  [
    'an unknown objective mode',
    { base: SMOKE, objective: { mode: 9 as unknown as 'OBJECTIVE_MODE_MAX' } },
    'objective.mode: got 9',
  ],
  ['a bad metric', { base: SMOKE, objective: { metric: 'a b' } }, 'objective.metric: got "a b"'],
  ['a reserved label', { base: SMOKE, labels: { sweep_id: 'x' } }, 'labels["sweep_id"]'],
  ['a bad label key', { base: SMOKE, labels: { 'bad key': 'x' } }, 'labels["bad key"]'],
  ['no noise to compare', { base: { ...SMOKE, noise: { eta: 0 } } }, 'base.noise.eta: got 0'],
  ['a long request id', { base: SMOKE, requestId: 'r'.repeat(129) }, 'request_id: got'],
  ['negative trials', { base: SMOKE, trials: -2 }, 'trials: got -2; allowed: an integer in [0, 10000]'],
  [
    'a negative sweep seed',
    { base: SMOKE, sweepSeed: '-1' },
    'sweep_seed: got -1; allowed: an integer in [0, 4294967295]',
  ],
  [
    'a distribution in a grid',
    {
      base: SMOKE,
      axes: [{ field: 'smoke.layers', distribution: { kind: 'DISTRIBUTION_KIND_INT', low: 1, high: 2 } }],
    },
    'axes[0].distribution: got "a distribution"; allowed: unset unless trials > 0',
  ],
  [
    'a distribution without a kind',
    { base: SMOKE, trials: 2, axes: [{ field: 'smoke.layers', distribution: { low: 1, high: 2 } }] },
    'axes[0].distribution.kind: got "DISTRIBUTION_KIND_UNSPECIFIED"; allowed: UNIFORM, LOG_UNIFORM, INT or CHOICE',
  ],
  [
    'an unknown distribution kind',
    {
      base: SMOKE,
      trials: 2,
      axes: [{ field: 'smoke.layers', distribution: { kind: 9 as unknown as 'DISTRIBUTION_KIND_INT' } }],
    },
    'axes[0].distribution.kind: got 9',
  ],
  [
    'an empty range',
    {
      base: SMOKE,
      trials: 2,
      axes: [
        {
          field: 'optimizer.learning_rate',
          distribution: { kind: 'DISTRIBUTION_KIND_UNIFORM', low: 0.1, high: 0.1 },
        },
      ],
    },
    'axes[0].distribution.high: got 0.1; allowed: > low (0.1)',
  ],
  [
    'a bound the run rejects',
    {
      base: SMOKE,
      trials: 2,
      axes: [{ field: 'smoke.layers', distribution: { kind: 'DISTRIBUTION_KIND_INT', low: 1, high: 99 } }],
    },
    'axes[0].distribution.high: got "99"; allowed:',
  ],
  [
    'negative weights',
    {
      base: SMOKE,
      trials: 2,
      axes: [
        {
          field: 'smoke.layers',
          distribution: { kind: 'DISTRIBUTION_KIND_CHOICE', choices: ['1', '2'], weights: [1, -1] },
        },
      ],
    },
    'axes[0].distribution.weights[1]: got -1; allowed: a finite number >= 0',
  ],
  [
    'a grace period at the budget',
    { base: SMOKE, earlyStopping: { gracePeriod: '10' } },
    'early_stopping.grace_period: got 10; allowed: an integer in [1, 9]',
  ],
  [
    'a reduction factor of 1',
    { base: SMOKE, earlyStopping: { reductionFactor: 1 } },
    'early_stopping.reduction_factor: got 1; allowed: an integer in [2, 100] (0: 3)',
  ],
  [
    'a negative max budget',
    { base: SMOKE, earlyStopping: { maxBudget: '-4' } },
    'early_stopping.max_budget: got -4; allowed: an integer in [2, 10000000]',
  ],
  [
    'a bad early-stopping metric',
    { base: SMOKE, earlyStopping: { metric: 'a b' } },
    'early_stopping.metric: got "a b"',
  ],
  [
    'an unknown early-stopping mode',
    { base: SMOKE, earlyStopping: { mode: 7 as unknown as 'OBJECTIVE_MODE_MAX' } },
    'early_stopping.mode: got 7',
  ],
];

describe('SweepService bad input', () => {
  it.each(START_CASES)(
    'StartSweep with %s is INVALID_ARGUMENT naming the field',
    async (_, request, text) => {
      const error = await failure(sweeps.startSweep(request));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain(text);
      // The google.rpc.BadRequest detail names the same field.
      const at = text.indexOf(': got');
      if (at > 0) expect(fieldViolation(error).field).toBe(text.slice(0, at));
    },
  );

  it('stores nothing for a rejected sweep', async () => {
    const runs = await service.store.runs.list({ project: 'default' }, 1000, '');
    expect(runs.items.every((r) => r.sweepId === sweepId)).toBe(true);
  });

  it.each<[string, string, status]>([
    ['an empty id', '', status.INVALID_ARGUMENT],
    ['an unknown id', UNKNOWN_UUID, status.NOT_FOUND],
    ['a malformed id', 'not-a-uuid', status.NOT_FOUND],
  ])('GetSweep with %s', async (_, id, code) => {
    expect((await failure(sweeps.getSweep({ sweepId: id }))).code).toBe(code);
  });

  it.each<[string, GetSweepRequest, status, string]>([
    [
      'an unknown objective mode',
      { sweepId: '@', objective: { mode: 9 as unknown as 'OBJECTIVE_MODE_MAX' } },
      status.INVALID_ARGUMENT,
      'objective.mode: got 9; allowed: one of OBJECTIVE_MODE_UNSPECIFIED, OBJECTIVE_MODE_MAX',
    ],
    [
      'a NaN threshold',
      { sweepId: '@', objective: { thresholds: [0.5, Number.NaN] } },
      status.INVALID_ARGUMENT,
      'objective.thresholds[1]: got NaN; allowed: a finite number',
    ],
    [
      'too many thresholds',
      { sweepId: '@', objective: { thresholds: Array.from({ length: 17 }, (_, i) => i) } },
      status.INVALID_ARGUMENT,
      'objective.thresholds: got "17 thresholds"; allowed: at most 16',
    ],
    [
      'a bad metric',
      { sweepId: '@', objective: { metric: 'a b' } },
      status.INVALID_ARGUMENT,
      'objective.metric: got "a b"; allowed: a metric name',
    ],
    [
      'a valid objective of an unknown sweep',
      { sweepId: UNKNOWN_UUID, objective: { metric: 'test_loss' } },
      status.NOT_FOUND,
      'sweep',
    ],
  ])('GetSweep with an objective override: %s', async (_, request, code, text) => {
    const error = await failure(
      sweeps.getSweep({ ...request, sweepId: request.sweepId === '@' ? sweepId : (request.sweepId ?? '') }),
    );
    expect(error.code).toBe(code);
    expect(error.details).toContain(text);
  });

  it.each<[string, ListSweepRunsRequest, status, string]>([
    ['an unknown sweep', { sweepId: UNKNOWN_UUID }, status.NOT_FOUND, 'sweep'],
    ['an empty id', { sweepId: '' }, status.INVALID_ARGUMENT, 'sweep_id'],
    [
      'a page size over 1000',
      { sweepId: '@', pageSize: 1001 },
      status.INVALID_ARGUMENT,
      'page_size: got 1001',
    ],
    ['a negative page size', { sweepId: '@', pageSize: -1 }, status.INVALID_ARGUMENT, 'page_size: got -1'],
    [
      'a forged page token',
      { sweepId: '@', pageToken: 'abc' },
      status.INVALID_ARGUMENT,
      'page_token: got "abc"',
    ],
  ])('ListSweepRuns with %s', async (_, request, code, text) => {
    const error = await failure(
      sweeps.listSweepRuns({
        ...request,
        sweepId: request.sweepId === '@' ? sweepId : (request.sweepId ?? ''),
      }),
    );
    expect(error.code).toBe(code);
    expect(error.details).toContain(text);
  });

  it.each<[string, GetSweepCurvesRequest, status, string]>([
    ['an unknown sweep', { sweepId: UNKNOWN_UUID }, status.NOT_FOUND, 'sweep'],
    ['an empty id', { sweepId: '' }, status.INVALID_ARGUMENT, 'sweep_id'],
    [
      'a bad metric name',
      { sweepId: '@', metric: 'no spaces' },
      status.INVALID_ARGUMENT,
      'metric: got "no spaces"',
    ],
    [
      'max_points 1',
      { sweepId: '@', maxPoints: 1 },
      status.INVALID_ARGUMENT,
      'max_points: got 1; allowed: 0 (for 1000) or an integer in [2, 100000]',
    ],
    ['negative max_points', { sweepId: '@', maxPoints: -5 }, status.INVALID_ARGUMENT, 'max_points: got -5'],
  ])('GetSweepCurves with %s', async (_, request, code, text) => {
    const error = await failure(
      sweeps.getSweepCurves({
        ...request,
        sweepId: request.sweepId === '@' ? sweepId : (request.sweepId ?? ''),
      }),
    );
    expect(error.code).toBe(code);
    expect(error.details).toContain(text);
  });

  it('answers a page token of another sweep with INVALID_ARGUMENT', async () => {
    const other = await sweeps.startSweep({ base: SMOKE, seeds: 2 });
    const page = await sweeps.listSweepRuns({ sweepId: other.id, pageSize: 1 });
    expect(page.nextPageToken).not.toBe('');
    const error = await failure(sweeps.listSweepRuns({ sweepId, pageToken: page.nextPageToken }));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
  });
});
