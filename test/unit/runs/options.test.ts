import { availableParallelism } from 'node:os';
import pino from 'pino';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { compileRunSchedulerOptions, type RunLogger, type RunScheduler } from '../../../src/runs/index.js';
import type { RunControl } from '../../../src/server/index.js';

describe('compileRunSchedulerOptions', () => {
  it('fills every default', () => {
    expect(compileRunSchedulerOptions({ owner: 'host:1' })).toEqual({
      owner: 'host:1',
      workers: availableParallelism(),
      workerNice: 10,
      backend: 'auto',
      nativeAddon: null,
      leaseMs: 30_000,
      leaseRenewMs: 10_000,
      maxAttempts: 3,
      pollMs: 1_000,
      progressIntervalMs: 1_000,
      workerFlushMs: 50,
      workerFlushPoints: 500,
      sinkFlushMs: 200,
      sinkMaxBufferedPoints: 100_000,
      sinkMaxRetries: 5,
      watchBufferPoints: 10_000,
      watchPollMs: 1_000,
      replayBatchSize: 1_000,
      shutdownGraceMs: 30_000,
    });
    expect(compileRunSchedulerOptions({ owner: 'a', leaseMs: 900 }).leaseRenewMs).toBe(300);
  });

  it.each([
    [{ owner: '' }, 'owner: got ""; allowed: a non-empty string of at most 200 characters'],
    [{ owner: 'a', workers: 0 }, 'workers: got 0; allowed: an integer in [1, 256]'],
    [{ owner: 'a', workers: 1.5 }, 'workers: got 1.5; allowed: an integer in [1, 256]'],
    [{ owner: 'a', workerNice: 20 }, 'workerNice: got 20; allowed: an integer in [0, 19]'],
    [
      { owner: 'a', backend: 'gpu' },
      'backend: got "gpu"; allowed: auto, webgpu, tensorflow, native, wasm, cpu',
    ],
    [
      { owner: 'a', leaseMs: 1000, leaseRenewMs: 1000 },
      'leaseRenewMs: got 1000; allowed: an integer in [1, 999]',
    ],
    [{ owner: 'a', sinkMaxRetries: -1 }, 'sinkMaxRetries: got -1; allowed: an integer in [0, 100]'],
  ])('rejects %j', (options, message) => {
    expect(() =>
      compileRunSchedulerOptions(options as Parameters<typeof compileRunSchedulerOptions>[0]),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message }));
  });

  it('fits the contracts of its callers: the server RunControl and a pino logger', () => {
    expectTypeOf<RunScheduler>().toExtend<RunControl>();
    expectTypeOf(pino({ enabled: false })).toExtend<RunLogger>();
  });
});
