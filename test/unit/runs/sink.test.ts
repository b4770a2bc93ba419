import { afterEach, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/core/index.js';
import { MetricSink } from '../../../src/runs/sink.js';

/** An in-memory stand-in for MetricRepository.upsertMany with the same uniqueness rule. */
class FakeMetrics {
  readonly rows = new Map<string, MetricPoint>();
  calls: number[] = [];
  /** Fail this many calls from now on. */
  failNext = 0;
  /** Fail after storing, like a commit whose reply was lost. */
  failAfterCommit = false;
  async upsertMany(points: readonly MetricPoint[]): Promise<void> {
    this.calls.push(points.length);
    await Promise.resolve();
    if (this.failNext > 0 && !this.failAfterCommit) {
      this.failNext -= 1;
      throw new Error('connection reset');
    }
    for (const p of points) this.rows.set(`${p.runId}/${p.name}/${p.step}`, p);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('reply lost');
    }
  }
}

const point = (step: number, name = 'loss', value = step): MetricPoint => ({
  runId: 'r1',
  step,
  name,
  value,
  timeMs: step,
});
const many = (n: number, from = 1): MetricPoint[] => Array.from({ length: n }, (_, i) => point(from + i));
const sinks: MetricSink[] = [];
function makeSink(repo: FakeMetrics, options: ConstructorParameters<typeof MetricSink>[1] = {}): MetricSink {
  const sink = new MetricSink(repo, { flushIntervalMs: 60_000, retryBaseMs: 1, ...options });
  sinks.push(sink);
  return sink;
}

afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close().catch(() => undefined);
});

describe('MetricSink', () => {
  it('batches: writes start at flushPoints, in batches of batchSize', async () => {
    const repo = new FakeMetrics();
    const latencies: number[] = [];
    const sink = makeSink(repo, { flushPoints: 10, batchSize: 4, onWrite: (s) => latencies.push(s) });
    sink.add(many(9));
    await new Promise((r) => setTimeout(r, 5));
    expect(repo.calls).toEqual([]);
    sink.add(many(1, 10));
    await sink.flush();
    expect(repo.calls).toEqual([4, 4, 2]);
    expect(repo.rows.size).toBe(10);
    expect(latencies).toHaveLength(3);
    expect(latencies.every((s) => s >= 0 && s < 1)).toBe(true);
  });

  it('flushes on the interval without reaching flushPoints', async () => {
    const repo = new FakeMetrics();
    const sink = makeSink(repo, { flushPoints: 1_000, flushIntervalMs: 10 });
    sink.add(many(3));
    await new Promise((r) => setTimeout(r, 60));
    expect(repo.rows.size).toBe(3);
    expect(sink.buffered).toBe(0);
  });

  it('writes a point added again after the first, so the latest value wins in the store', async () => {
    const repo = new FakeMetrics();
    const writes: MetricPoint[] = [];
    const sink = makeSink(repo);
    const upsert = repo.upsertMany.bind(repo);
    repo.upsertMany = async (points) => {
      writes.push(...points);
      await upsert(points);
    };
    sink.add([point(1, 'loss', 5), point(1, 'grad_norm', 2)]);
    sink.add([point(1, 'loss', 6)]);
    expect(sink.buffered).toBe(3);
    await sink.flush();
    expect(writes.map((p) => p.value)).toEqual([5, 2, 6]);
    expect(repo.rows.size).toBe(2);
    expect(repo.rows.get('r1/loss/1')?.value).toBe(6);
  });

  it('writes in the order added, across many batches, a failed batch and points added meanwhile', async () => {
    const repo = new FakeMetrics();
    const writes: number[] = [];
    const sink = makeSink(repo, { batchSize: 1_000, flushPoints: 100_000, maxRetries: 0 });
    let calls = 0;
    const upsert = repo.upsertMany.bind(repo);
    repo.upsertMany = async (points) => {
      calls += 1;
      if (calls === 3) {
        // The third batch fails while the queue's head is mid-array (not yet compacted), and
        // points arrive during that write: the batch goes back in front of everything queued.
        sink.add(many(1_000, 9_001));
        throw new Error('connection reset');
      }
      await upsert(points);
      writes.push(...points.map((p) => p.step));
    };
    sink.add(many(9_000));
    await expect(sink.flush()).rejects.toThrow('connection reset');
    expect(writes).toEqual(many(2_000).map((p) => p.step));
    expect(sink.buffered).toBe(8_000);
    sink.add(many(1_000, 10_001));
    await sink.flush();
    expect(writes).toEqual(many(11_000).map((p) => p.step));
    expect(sink.buffered).toBe(0);
  });

  it('retries failed writes with backoff and loses or duplicates nothing', async () => {
    const repo = new FakeMetrics();
    const outcomes: boolean[] = [];
    const sink = makeSink(repo, { batchSize: 5, onWrite: (_s, _n, ok) => outcomes.push(ok) });
    repo.failNext = 2;
    sink.add(many(5));
    await sink.flush();
    expect(outcomes).toEqual([false, false, true]);
    expect(repo.rows.size).toBe(5);
    expect(sink.written).toBe(5);

    // A write that committed but reported failure is retried; the upsert key keeps one row each.
    repo.failAfterCommit = true;
    repo.failNext = 1;
    sink.add(many(5, 6));
    await sink.flush();
    expect(repo.rows.size).toBe(10);
  });

  it('keeps the points when every retry fails, reports the error, and writes them later', async () => {
    const repo = new FakeMetrics();
    const errors: unknown[] = [];
    const sink = makeSink(repo, { maxRetries: 2, onError: (e) => errors.push(e) });
    repo.failNext = 3;
    sink.add(many(3));
    await expect(sink.flush()).rejects.toThrow('connection reset');
    expect(repo.calls).toEqual([3, 3, 3]);
    expect(errors).toHaveLength(1);
    expect(sink.buffered).toBe(3);
    // A newer value that arrived during the outage is not overwritten by the failed batch.
    sink.add([point(2, 'loss', 99)]);
    await sink.flush();
    expect(repo.rows.size).toBe(3);
    expect(repo.rows.get('r1/loss/2')?.value).toBe(99);
  });

  it('bounds the buffer: beyond it new points are dropped and counted', async () => {
    const repo = new FakeMetrics();
    const drops: number[] = [];
    const sink = makeSink(repo, { maxBufferedPoints: 10, flushPoints: 100, onDrop: (n) => drops.push(n) });
    sink.add(many(15));
    expect(sink.buffered).toBe(10);
    expect(sink.dropped).toBe(5);
    expect(drops).toEqual([5]);
    // Every point added counts until it is written, a new value for a buffered key included.
    sink.add([point(1, 'loss', -1)]);
    expect(sink.dropped).toBe(6);
    await sink.close();
    expect([...repo.rows.values()].map((p) => p.step).sort((a, b) => a - b)).toEqual(
      many(10).map((p) => p.step),
    );
  });

  it('close() flushes everything and stops the timer', async () => {
    const repo = new FakeMetrics();
    const sink = makeSink(repo, { flushIntervalMs: 5 });
    sink.add(many(7));
    await sink.close();
    expect(repo.rows.size).toBe(7);
    const calls = repo.calls.length;
    await new Promise((r) => setTimeout(r, 20));
    expect(repo.calls.length).toBe(calls);
  });
});
