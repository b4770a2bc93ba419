import { describe, expect, it } from 'vitest';
import { loadApi } from '../../../src/client/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import { encodeRunMetrics } from '../../../src/server/codec/metrics.js';
import { encodeRun } from '../../../src/server/codec/run.js';
import type { MetricSummary, RunRecord } from '../../../src/store/types.js';

const spec = compileRunSpec({ trainer: 'smoke', maxSteps: 5 }, ANY_DATA_DIR);
const run = (status: RunRecord['status'], endReason: RunRecord['endReason']): RunRecord => ({
  id: 'run-1',
  project: 'default',
  requestId: null,
  trainer: 'smoke',
  displayName: '',
  spec,
  status,
  labels: {},
  backend: null,
  device: null,
  attempt: 1,
  error: null,
  endReason,
  currentStep: 5,
  cancelRequested: false,
  owner: null,
  leaseExpiresAt: null,
  sweepId: null,
  createdAt: new Date(0),
  startedAt: null,
  finishedAt: null,
  initFrom: null,
});

describe('Run.end_reason', () => {
  it('is the stored reason, BUDGET for a run completed before reasons were stored, else unspecified', () => {
    expect(encodeRun(run('COMPLETED', 'SOLVED')).endReason).toBe('RUN_END_REASON_SOLVED');
    // Completed by a replica older than end reasons (a rolling upgrade): it spent its budget.
    expect(encodeRun(run('COMPLETED', null)).endReason).toBe('RUN_END_REASON_BUDGET');
    expect(encodeRun(run('RUNNING', null)).endReason).toBe('RUN_END_REASON_UNSPECIFIED');
    expect(encodeRun(run('FAILED', null)).endReason).toBe('RUN_END_REASON_UNSPECIFIED');
  });
});

describe('Run.status', () => {
  it('is the stored short status under the proto prefix, and survives the wire codec', () => {
    const decode = loadApi().definition['gradnoise.v1.TrainingService'] as unknown as Record<
      string,
      { responseSerialize(value: object): Buffer; responseDeserialize(bytes: Buffer): { status: string } }
    >;
    const getRun = decode.GetRun;
    if (getRun === undefined) throw new Error('no GetRun');
    for (const status of [
      'QUEUED',
      'RUNNING',
      'COMPLETED',
      'FAILED',
      'CANCELLED',
      'STOPPED_EARLY',
    ] as const) {
      const encoded = encodeRun(run(status, null));
      expect(encoded.status).toBe(`RUN_STATUS_${status}`);
      expect(getRun.responseDeserialize(getRun.responseSerialize(encoded)).status).toBe(
        `RUN_STATUS_${status}`,
      );
    }
  });
});

describe('Run.metric_summaries and GetRunMetricsResponse on the wire', () => {
  const methods = loadApi().definition['gradnoise.v1.TrainingService'] as unknown as Record<
    string,
    { responseSerialize(value: object): Buffer; responseDeserialize(bytes: Buffer): unknown }
  >;
  const roundTrip = (method: string, message: object) => {
    const codec = methods[method];
    if (codec === undefined) throw new Error(`no method ${method}`);
    return codec.responseDeserialize(codec.responseSerialize(message));
  };
  const loss: MetricSummary = {
    runId: 'run-1',
    name: 'loss',
    count: 2 ** 40,
    nonFiniteCount: 1,
    last: { step: 7, value: Number.NaN },
    lastFinite: { step: 6, value: 0.25 },
    min: { step: 2, value: -0.5 },
    max: { step: 1, value: 3 },
  };
  const nanOnly: MetricSummary = { ...loss, name: 'x', lastFinite: null, min: null, max: null };

  it('carries each summary, NaN included, and leaves the pairs of a metric without finite values unset', () => {
    const decoded = roundTrip('GetRun', encodeRun(run('RUNNING', null), [loss, nanOnly])) as {
      metricSummaries: unknown[];
    };
    expect(decoded.metricSummaries).toEqual([
      {
        name: 'loss',
        count: String(2 ** 40),
        nonFiniteCount: '1',
        last: { step: '7', value: Number.NaN },
        lastFinite: { step: '6', value: 0.25 },
        min: { step: '2', value: -0.5 },
        max: { step: '1', value: 3 },
      },
      {
        name: 'x',
        count: String(2 ** 40),
        nonFiniteCount: '1',
        last: { step: '7', value: Number.NaN },
        lastFinite: null,
        min: null,
        max: null,
      },
    ]);
    expect(
      (roundTrip('GetRun', encodeRun(run('RUNNING', null))) as { metricSummaries: unknown[] })
        .metricSummaries,
    ).toEqual([]);
  });

  it('encodes a GetRunMetrics page with its points, token, summaries and status', () => {
    const page = encodeRunMetrics({
      status: 'COMPLETED',
      points: [{ runId: 'run-1', step: 3, name: 'loss', value: Number.NEGATIVE_INFINITY, timeMs: 1500.25 }],
      nextPageToken: 'next',
      summaries: [nanOnly],
    });
    expect(roundTrip('GetRunMetrics', page)).toEqual({
      points: [
        {
          step: '3',
          name: 'loss',
          value: Number.NEGATIVE_INFINITY,
          time: { seconds: '1', nanos: 500_250_000 },
        },
      ],
      nextPageToken: 'next',
      summaries: [expect.objectContaining({ name: 'x', min: null })],
      status: 'RUN_STATUS_COMPLETED',
    });
  });
});
