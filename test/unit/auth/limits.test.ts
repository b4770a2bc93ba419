import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  decodeNotice,
  encodeNotice,
  METRICS_CHANNEL,
  RUNS_CHANNEL,
  type RunNotice,
} from '../../../src/runs/notify.js';
import {
  MAX_TRACKED_PROJECTS,
  QUEUE_COUNT_TTL_MS,
  QueueQuota,
  StreamLimiter,
} from '../../../src/server/limits.js';
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

describe('QueueQuota', () => {
  /**
   * A queue per project that the test fills and drains, and a clock it moves. While `hold` is on,
   * each count reads the queue when it is asked (its snapshot) but answers only when the test
   * releases it, in whatever order the test chooses.
   */
  const setup = (max: number, queues: Record<string, number>) => {
    const queued = new Map(Object.entries(queues));
    const clock = { ms: 0 };
    let counts = 0;
    let hold = false;
    const held: Array<() => void> = [];
    const runs = {
      countQueued: (project: string, limit: number) => {
        counts += 1;
        const n = Math.min(queued.get(project) ?? 0, limit);
        if (!hold) return Promise.resolve(n);
        return new Promise<number>((resolve) => held.push(() => resolve(n)));
      },
    };
    const quota = new QueueQuota(runs, max, () => clock.ms);
    /** Admits, and on success puts the run in the queue as StartRun's insert would. */
    const start = async (project: string, adding = 1) => {
      await quota.admit(project, adding);
      queued.set(project, (queued.get(project) ?? 0) + adding);
    };
    /** Lets every microtask run, so started requests reach their count. */
    const settle = () => new Promise((r) => setImmediate(r));
    return {
      quota,
      queued,
      clock,
      start,
      settle,
      counts: () => counts,
      hold: (on: boolean) => {
        hold = on;
      },
      /** Answers the i-th held count (in the order they were asked). */
      release: (i: number) => held[i]?.(),
    };
  };

  it('is RESOURCE_EXHAUSTED once the project has maxQueued runs waiting', async () => {
    const t = setup(3, { full: 3, room: 2 });
    await expect(t.quota.admit('room')).resolves.toBeUndefined();
    await expect(t.quota.admit('full')).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      message: expect.stringContaining('"full" has 3 queued runs; at most 3 may wait at once (adding 1)'),
    });
    await expect(setup(3, { room: 2 }).quota.admit('room', 2)).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
    });
    const runs = { countQueued: async () => 0 };
    expect(() => new QueueQuota(runs, 0)).toThrow(RangeError);
    expect(() => new QueueQuota(runs, 2.5)).toThrow(RangeError);
  });

  it('counts once per second while the estimate has room, and exactly at the limit', async () => {
    const t = setup(10, { p: 5 });
    for (let i = 0; i < 5; i++) await t.start('p');
    expect(t.counts()).toBe(1);
    // The estimate (5 counted + 5 admitted) is full: the sixth counts, and the count refuses.
    await expect(t.start('p')).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    expect(t.counts()).toBe(2);
    expect(t.queued.get('p')).toBe(10);
    // Runs leave the queue: the estimate is still full, so the next request counts and is admitted.
    t.queued.set('p', 7);
    await t.start('p');
    expect(t.counts()).toBe(3);
    // Within the second it goes on from that count without a query...
    await t.start('p');
    expect(t.counts()).toBe(3);
    // ...and a second later it counts again, though the estimate has room.
    t.queued.set('p', 0);
    t.clock.ms += QUEUE_COUNT_TTL_MS;
    await t.start('p', 3);
    expect(t.counts()).toBe(4);
    await t.start('p', 7);
    expect(t.counts()).toBe(4);
    expect(t.queued.get('p')).toBe(10);
  });

  it('never refuses from the estimate alone, and keeps projects apart', async () => {
    const t = setup(2, { a: 0, b: 0 });
    await t.start('a', 2);
    await t.start('b');
    // Runs of `a` left the queue without the quota hearing of it: the estimate says full, the count does not.
    t.queued.set('a', 0);
    await t.start('a', 2);
    expect(t.queued.get('a')).toBe(2);
    await expect(t.start('a')).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    await t.start('b');
    await expect(t.start('b')).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
  });

  it('keeps what it admitted on the estimate while a recount was in flight', async () => {
    const t = setup(20, { p: 0 });
    await t.start('p', 15);
    t.queued.set('p', 5); // ten runs left the queue
    // The estimate (15) has no room for 6: this request counts (and reads 5)...
    t.hold(true);
    const recounting = t.start('p', 6);
    await t.settle();
    // ...while one that fits the estimate is admitted without a count, and inserted.
    await t.start('p', 1);
    t.release(0);
    await recounting;
    expect(t.counts()).toBe(2);
    expect(t.queued.get('p')).toBe(12);
    // The estimate is 12, not 11: the run admitted during the count (not in it) was kept, so eight
    // more fill the queue exactly and the next one is refused rather than let past the limit.
    t.hold(false);
    await t.start('p', 8);
    expect(t.counts()).toBe(2);
    await expect(t.start('p')).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    expect(t.queued.get('p')).toBe(20);
  });

  it('does not undercount when an admission falls between two overlapping counts', async () => {
    const t = setup(20, { p: 0 });
    await t.start('p', 15);
    t.queued.set('p', 5);
    t.hold(true);
    const a = t.start('p', 6); // counts, reads 5
    await t.settle();
    await t.start('p', 5); // fits the estimate (15 + 5): admitted without a count; 10 queued
    const b = t.start('p', 1); // counts, reads 10
    await t.settle();
    t.release(1); // the newer count answers first...
    await b;
    t.release(0); // ...then the older one
    await a;
    expect(t.queued.get('p')).toBe(17);
    // The estimate is 17 (either count plus what was admitted after it started), so three more fit
    // without a count and the fourth is refused. Had the late count replaced the newer one's base
    // while keeping the admissions counted from it (5 + 7 = 12), eight would have been let in.
    t.hold(false);
    await t.start('p', 3);
    expect(t.counts()).toBe(3);
    await expect(t.start('p')).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    expect(t.queued.get('p')).toBe(20);
  });

  it('builds on the newest count when an older one answers last', async () => {
    const t = setup(20, { p: 0 });
    await t.start('p', 10);
    t.clock.ms += QUEUE_COUNT_TTL_MS; // stale: the next two both count
    t.hold(true);
    const older = t.start('p'); // reads 10
    await t.settle();
    t.queued.set('p', 5); // five runs start training
    const newer = t.start('p'); // reads 5
    await t.settle();
    t.release(1);
    await newer;
    t.release(0);
    await older;
    t.hold(false);
    expect(t.queued.get('p')).toBe(7);
    // On the newer count the estimate is 5 + 2 = 7, so 13 more fit without a count; on the older
    // one it would be 10 + 2 = 12, and this request would have to count first.
    await t.start('p', 13);
    expect(t.counts()).toBe(3);
  });

  it('does not drift: under overlapping counts the estimate stays the newest count plus what followed', async () => {
    const t = setup(10, { p: 0 });
    // Rounds of two overlapping counts, each round admitting 2 while 2 leave the queue.
    for (let round = 0; round < 20; round++) {
      t.clock.ms += QUEUE_COUNT_TTL_MS; // stale: both count
      t.hold(true);
      const first = t.start('p');
      const second = t.start('p');
      await t.settle();
      t.release(2 * round + 1);
      t.release(2 * round);
      await Promise.all([first, second]);
      t.hold(false);
      t.queued.set('p', (t.queued.get('p') ?? 0) - 2);
    }
    expect(t.queued.get('p')).toBe(0);
    // After the last round the estimate is its newest count (0) plus the two admitted since that
    // count started, so six more fit without a count: the 40 admissions did not pile up.
    await t.start('p', 6);
    expect(t.counts()).toBe(40);
  });

  it(`keeps at most ${MAX_TRACKED_PROJECTS} projects, never one whose count is in flight`, async () => {
    const t = setup(5, {});
    t.hold(true);
    const pending = t.start('busy'); // holds its count across everything below
    await t.settle();
    t.hold(false);
    for (let i = 0; i < 3 * MAX_TRACKED_PROJECTS; i++) await t.start(`p${i}`);
    expect(t.quota.tracked).toBeLessThanOrEqual(MAX_TRACKED_PROJECTS);
    t.release(0);
    await pending;
    // The entry survived: its count landed, so the next request of `busy` needs none.
    const before = t.counts();
    await t.start('busy');
    expect(t.counts()).toBe(before);
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
