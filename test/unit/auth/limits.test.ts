import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  decodeNotice,
  encodeNotice,
  METRICS_CHANNEL,
  RUNS_CHANNEL,
  type RunNotice,
} from '../../../src/runs/notify.js';
import { checkQueuedRuns, StreamLimiter } from '../../../src/server/limits.js';
import { assertWellFormed, tolerantDecoding } from '../../../src/server/limits-decode.js';

describe('StreamLimiter', () => {
  it('holds at most maxPerClient streams per client, and a release (once) frees one', () => {
    const limiter = new StreamLimiter(2);
    const a1 = limiter.acquire('peer:a');
    limiter.acquire('peer:a');
    const b1 = limiter.acquire('peer:b');
    expect(() => limiter.acquire('peer:a')).toThrow(
      expect.objectContaining({
        code: 'RESOURCE_EXHAUSTED',
        message: expect.stringContaining('already holds 2 of at most 2'),
      }),
    );
    a1();
    a1();
    expect(limiter.held('peer:a')).toBe(1);
    limiter.acquire('peer:a');
    b1();
    expect(limiter.held('peer:b')).toBe(0);
    expect(limiter.held()).toBe(2);
    expect(() => new StreamLimiter(0)).toThrow(RangeError);
  });
});

describe('checkQueuedRuns', () => {
  it('is RESOURCE_EXHAUSTED once the project has maxQueued runs waiting', async () => {
    const counts = new Map([
      ['full', 3],
      ['room', 2],
    ]);
    const runs = {
      countQueued: async (project: string, limit: number) => Math.min(counts.get(project) ?? 0, limit),
    };
    await expect(checkQueuedRuns(runs, 'room', 3)).resolves.toBeUndefined();
    await expect(checkQueuedRuns(runs, 'full', 3)).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      message: expect.stringContaining('"full" has 3 queued runs; at most 3'),
    });
    await expect(checkQueuedRuns(runs, 'room', 3, 2)).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
  });
});

describe('tolerantDecoding', () => {
  it('hands a marker instead of throwing, which assertWellFormed turns into INVALID_ARGUMENT', () => {
    const method: MethodDefinition<{ n: number }, string> = {
      path: '/x.Y/Z',
      requestStream: false,
      responseStream: false,
      requestSerialize: (v) => Buffer.from(JSON.stringify(v)),
      requestDeserialize: (b) => JSON.parse(b.toString()) as { n: number },
      responseSerialize: (v) => Buffer.from(v),
      responseDeserialize: (b) => b.toString(),
    };
    const service = tolerantDecoding({ Z: method } as ServiceDefinition);
    const z = service.Z as MethodDefinition<unknown, unknown>;
    const good = z.requestDeserialize(Buffer.from('{"n":1}'));
    expect(good).toEqual({ n: 1 });
    expect(() => assertWellFormed('Z', good)).not.toThrow();
    const bad = z.requestDeserialize(Buffer.from('{"n":'));
    expect(() => assertWellFormed('Z', bad)).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^request: got bytes that are not a valid Z request message \(.+\)$/),
      }),
    );
    expect(z.path).toBe('/x.Y/Z');
  });
});

describe('replica notices', () => {
  const runId = '6f1c2a34-0000-4000-8000-000000000001';
  it('round-trip as short pointer payloads', () => {
    const notices: RunNotice[] = [
      { kind: 'stored', runId, step: 1234 },
      { kind: 'status', runId, status: 'COMPLETED' },
      { kind: 'cancel', runId },
    ];
    for (const notice of notices) {
      const { channel, payload } = encodeNotice(notice);
      expect(Buffer.byteLength(payload)).toBeLessThan(64);
      expect(decodeNotice(channel, payload)).toEqual(notice);
    }
  });

  it('ignores what it does not understand', () => {
    for (const [channel, payload] of [
      [METRICS_CHANNEL, `${runId} -1`],
      [METRICS_CHANNEL, `${runId} 1e3`],
      [METRICS_CHANNEL, 'not-a-run 5'],
      [RUNS_CHANNEL, `${runId} RUNNING`],
      [RUNS_CHANNEL, `${runId} COMPLETED extra`],
      ['other', `${runId} 5`],
      [RUNS_CHANNEL, ''],
    ] as const) {
      expect(decodeNotice(channel, payload)).toBeNull();
    }
  });
});
