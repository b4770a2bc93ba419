import { afterEach, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/core/index.js';
import { MetricSink } from '../../../src/runs/sink.js';

// What the NOTIFY of stored steps (src/runs/notify.ts) relies on: the sink writes points in the
// order they came, a failed batch included, and says which steps are stored once nothing is pending.

/** Records every write in order; fails the writes it is told to. */
class OrderedMetrics {
  readonly written: MetricPoint[] = [];
  failNext = 0;
  async upsertMany(points: readonly MetricPoint[]): Promise<void> {
    await Promise.resolve();
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('connection reset');
    }
    this.written.push(...points);
  }
}

const point = (runId: string, step: number): MetricPoint => ({
  runId,
  step,
  name: 'loss',
  value: step,
  timeMs: step,
});
const sinks: MetricSink[] = [];
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.close().catch(() => undefined);
});

describe('MetricSink for replica notifications', () => {
  it('reports the highest step written per run once the buffer is empty, and only new steps after that', async () => {
    const repo = new OrderedMetrics();
    const stored: Map<string, number>[] = [];
    const sink = new MetricSink(repo, {
      flushIntervalMs: 60_000,
      batchSize: 3,
      flushPoints: 1_000,
      onStored: (steps) => stored.push(new Map(steps)),
    });
    sinks.push(sink);
    sink.add([point('a', 1), point('a', 2), point('b', 7), point('a', 3), point('b', 8)]);
    await sink.flush();
    expect(stored).toEqual([
      new Map([
        ['a', 3],
        ['b', 8],
      ]),
    ]);
    sink.add([point('b', 9)]);
    await sink.flush();
    expect(stored.at(-1)).toEqual(new Map([['b', 9]]));
    await sink.flush();
    expect(stored).toHaveLength(2);
  });

  it('puts a failed batch back in front, so the store never holds a later step before an earlier one', async () => {
    const repo = new OrderedMetrics();
    const stored: Map<string, number>[] = [];
    const sink = new MetricSink(repo, {
      flushIntervalMs: 60_000,
      batchSize: 2,
      flushPoints: 1_000,
      maxRetries: 0,
      onStored: (steps) => stored.push(new Map(steps)),
    });
    sinks.push(sink);
    sink.add([point('a', 1), point('a', 2), point('a', 3)]);
    repo.failNext = 1;
    await expect(sink.flush()).rejects.toThrow('connection reset');
    expect(stored).toEqual([]);
    // Newer points arrive while the failed batch waits; an updated value of a failed point is
    // written after it, so it wins in the store.
    sink.add([point('a', 4), { ...point('a', 2), value: 20 }]);
    await sink.flush();
    expect(repo.written.map((p) => [p.step, p.value])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [2, 20],
    ]);
    expect(stored).toEqual([new Map([['a', 4]])]);
  });
});
