import { describe, expect, it } from 'vitest';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec } from '../../../src/runs/compile-spec.js';
import { encodeRun } from '../../../src/server/codec/run.js';
import type { RunRecord } from '../../../src/store/types.js';

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
