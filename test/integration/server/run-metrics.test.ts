import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/core/index.js';
import type { GetRunMetricsRequest } from '../../../src/generated/proto/gradnoise/v1/GetRunMetricsRequest.js';
import type { MetricPoint__Output } from '../../../src/generated/proto/gradnoise/v1/MetricPoint.js';
import type { MetricSummary__Output } from '../../../src/generated/proto/gradnoise/v1/MetricSummary.js';
import type { MetricSummary } from '../../../src/store/types.js';
import { api, failure, waitForStatus } from '../../helpers/client.js';
import { fieldViolation } from '../../helpers/field-violation.js';
import { bySummaryKey, recomputeSummaries } from '../../helpers/metric-summary.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
let client: ReturnType<typeof api>;
let runId: string;

// 40 steps, evaluations every 10: per-step loss, grad_norm and noise_std, and the evaluation metrics.
beforeAll(async () => {
  service = await startTestService({ workers: 1 });
  client = api(service.client);
  runId = (await client.startRun({ trainer: 'smoke', maxSteps: 40, evalEvery: 10 })).id;
  await waitForStatus(service.client, runId, ['RUN_STATUS_COMPLETED']);
});
afterAll(() => service.stop());

const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

const wirePoint = (p: MetricPoint__Output) => ({
  step: Number(p.step),
  name: p.name,
  value: p.value,
  time: p.time,
});

/** Every page of GetRunMetrics for `request`, and the summaries of the first page. */
async function readAll(request: GetRunMetricsRequest) {
  const points: MetricPoint__Output[] = [];
  let pageToken = '';
  let summaries: MetricSummary__Output[] | undefined;
  do {
    const page = await client.getRunMetrics({ ...request, pageToken });
    points.push(...page.points);
    // Every page carries the same summaries.
    if (summaries === undefined) summaries = page.summaries;
    else expect(page.summaries).toEqual(summaries);
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return { points, summaries: summaries ?? [] };
}

/** The StreamMetrics replay of the (finished) run, point by point. */
async function streamed(names: string[] = [], sinceStep = 0) {
  return (await client.streamMetrics({ runId, names, sinceStep })).flatMap((m) => m.points);
}

/** Wire summaries as the store's, to compare them with a recomputation. */
const asStored = (id: string, s: MetricSummary__Output): MetricSummary => {
  const pair = (v: { step: string; value: number } | null) =>
    v === null ? null : { step: Number(v.step), value: v.value };
  return {
    runId: id,
    name: s.name,
    count: Number(s.count),
    nonFiniteCount: Number(s.nonFiniteCount),
    last: pair(s.last) ?? { step: -1, value: Number.NaN },
    lastFinite: pair(s.lastFinite),
    min: pair(s.min),
    max: pair(s.max),
  };
};

const asPoints = (id: string, points: MetricPoint__Output[]): MetricPoint[] =>
  points.map((p) => ({ runId: id, step: Number(p.step), name: p.name, value: p.value, timeMs: 0 }));

describe('GetRunMetrics', () => {
  it('pages through exactly the points StreamMetrics replays, filtered alike', async () => {
    const all = await streamed();
    expect(all.length).toBeGreaterThan(40 * 3);
    for (const pageSize of [0, 7, 10_000]) {
      expect((await readAll({ runId, pageSize })).points.map(wirePoint)).toEqual(all.map(wirePoint));
    }
    const names = ['test_accuracy', 'loss'];
    const filtered = await streamed(names, 9);
    const ranged = await readAll({ runId, names, fromStep: 10, toStep: 30, pageSize: 5 });
    expect(ranged.points.map(wirePoint)).toEqual(filtered.filter((p) => Number(p.step) <= 30).map(wirePoint));
    expect(ranged.summaries.map((s) => s.name)).toEqual(['loss', 'test_accuracy']);
  });

  it('answers summaries equal to a recomputation from the stored points, over every step', async () => {
    const all = await streamed();
    const { summaries } = await readAll({ runId, fromStep: 35, pageSize: 3 });
    expect(summaries.map((s) => asStored(runId, s)).sort(bySummaryKey)).toEqual(
      recomputeSummaries(asPoints(runId, all)),
    );
    const loss = summaries.find((s) => s.name === 'loss');
    expect(loss).toMatchObject({ count: '40', nonFiniteCount: '0', last: { step: '40' } });
  });

  it('keeps the summaries exact when a resumed attempt re-posts steps with other values', async () => {
    const id = (await client.startRun({ trainer: 'smoke', maxSteps: 20 })).id;
    await waitForStatus(service.client, id, ['RUN_STATUS_COMPLETED']);
    const before = await readAll({ runId: id, names: ['loss'] });
    const lossMax = before.summaries[0]?.max;
    // What an attempt resumed from step 10 writes again: steps 11..20, here with other values, one
    // of them NaN, and the old maximum's step lowered.
    const reposted = Array.from({ length: 10 }, (_, i) => ({
      runId: id,
      step: 11 + i,
      name: 'loss',
      value: i === 9 ? Number.NaN : i * 1e-3,
      timeMs: Date.now(),
    }));
    if (lossMax !== null && lossMax !== undefined && Number(lossMax.step) <= 10)
      reposted.push({ runId: id, step: Number(lossMax.step), name: 'loss', value: -1, timeMs: Date.now() });
    await service.store.metrics.upsertMany(reposted);
    const after = await readAll({ runId: id });
    const replayed = (await client.streamMetrics({ runId: id })).flatMap((m) => m.points);
    expect(after.points.map(wirePoint)).toEqual(replayed.map(wirePoint));
    expect(after.summaries.map((s) => asStored(id, s)).sort(bySummaryKey)).toEqual(
      recomputeSummaries(asPoints(id, replayed)),
    );
    expect(after.summaries.find((s) => s.name === 'loss')).toMatchObject({
      nonFiniteCount: '1',
      last: { step: '20', value: Number.NaN },
      lastFinite: { step: '19' },
    });
  });

  it('answers a run that has no points yet with none, and its status', async () => {
    const run = await client.startRun({ trainer: 'smoke', maxSteps: 1_000_000, checkpointEvery: 1_000_000 });
    await client.cancelRun({ runId: run.id });
    const page = await client.getRunMetrics({ runId: run.id, names: ['no_such_metric'] });
    expect(page).toMatchObject({ points: [], summaries: [], nextPageToken: '' });
    expect(['RUN_STATUS_QUEUED', 'RUN_STATUS_RUNNING', 'RUN_STATUS_CANCELLED']).toContain(page.status);
  });

  it('answers NOT_FOUND for an unknown or malformed run', async () => {
    for (const id of [UNKNOWN_UUID, 'not-a-uuid']) {
      const error = await failure(client.getRunMetrics({ runId: id }));
      expect(error.code).toBe(status.NOT_FOUND);
      expect(error.details).toContain(id);
    }
  });

  it('refuses a page_token of another filter, naming page_token', async () => {
    const { nextPageToken } = await client.getRunMetrics({ runId, names: ['loss'], pageSize: 2 });
    expect(nextPageToken).not.toBe('');
    for (const request of [
      { runId, names: ['acc'] },
      { runId, names: ['loss'], fromStep: 1 },
      { runId, names: ['loss'], toStep: 39 },
    ]) {
      const error = await failure(client.getRunMetrics({ ...request, pageToken: nextPageToken }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldViolation(error).field).toBe('page_token');
      expect(error.details).toMatch(
        /^page_token: got ".+"; allowed: a next_page_token returned for the same run_id, names and steps$/,
      );
    }
  });

  it.each<[string, () => GetRunMetricsRequest, string]>([
    ['an empty run_id', () => ({ runId: '' }), 'run_id: got ""; allowed: a non-empty id'],
    [
      'a negative from_step',
      () => ({ runId, fromStep: -1 }),
      'from_step: got "-1"; allowed: an integer in [0, 2147483647]',
    ],
    ['a to_step past int32', () => ({ runId, toStep: 2 ** 31 }), 'to_step: got "2147483648"'],
    [
      'a to_step below from_step',
      () => ({ runId, fromStep: 10, toStep: 5 }),
      'to_step: got 5; allowed: 0 (no bound) or a step >= from_step (10)',
    ],
    [
      'a page_size over 10000',
      () => ({ runId, pageSize: 10_001 }),
      'page_size: got 10001; allowed: an integer in [0, 10000] (0: 1000)',
    ],
    ['a negative page_size', () => ({ runId, pageSize: -1 }), 'page_size: got -1'],
    [
      '65 names',
      () => ({ runId, names: Array.from({ length: 65 }, (_, i) => `m${i}`) }),
      'names: got "65 names"; allowed: at most 64 names',
    ],
    ['a long name', () => ({ runId, names: ['loss', 'n'.repeat(129)] }), 'names[1]: got "nnn'],
    ['a name with NUL', () => ({ runId, names: ['a\u0000b'] }), 'names[0]: got '],
    ['a garbage page_token', () => ({ runId, pageToken: 'garbage' }), 'page_token: got "garbage"'],
    ['a long page_token', () => ({ runId, pageToken: 't'.repeat(513) }), 'page_token: got "tttt'],
  ])('answers %s with INVALID_ARGUMENT naming the field', async (_, request, text) => {
    const error = await failure(client.getRunMetrics(request()));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain(text);
    expect(fieldViolation(error).field).toBe(text.slice(0, text.indexOf(':')));
  });
});

describe('the summaries on Run', () => {
  it('shows the declared metrics only, in GetRun and ListRuns, equal to GetRunMetrics', async () => {
    const run = await client.getRun({ runId });
    const names = run.metricSummaries.map((s) => s.name);
    // CLASSIFIER_METRICS; not the runtime's grad_norm and noise_std, which smoke does not declare.
    expect(names).toEqual(['loss', 'test_accuracy', 'test_loss', 'train_accuracy', 'train_loss']);
    const { summaries } = await client.getRunMetrics({ runId, names, pageSize: 1 });
    expect(run.metricSummaries).toEqual(summaries);
    const listed = (await client.listRuns({})).runs.find((r) => r.id === runId);
    expect(listed?.metricSummaries).toEqual(summaries);
    // The Run of StartRun and CancelRun carries none.
    const started = await client.startRun({ trainer: 'smoke', maxSteps: 1_000_000 });
    expect(started.metricSummaries).toEqual([]);
    expect((await client.cancelRun({ runId: started.id })).metricSummaries).toEqual([]);
  });
});
