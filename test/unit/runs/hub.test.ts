import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/core/index.js';
import { type LiveEvent, LiveHub } from '../../../src/runs/hub.js';

const point = (step: number, name = 'loss', runId = 'r1'): MetricPoint => ({
  runId,
  step,
  name,
  value: step / 10,
  timeMs: 1_000 + step,
});

async function collect(iterable: AsyncIterable<LiveEvent>): Promise<LiveEvent[]> {
  const out: LiveEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

describe('LiveHub', () => {
  it('fans points out to every subscriber of the run, filtered by name, and ends on a terminal status', async () => {
    const hub = new LiveHub();
    const all = hub.subscribe('r1');
    const lossOnly = hub.subscribe('r1', { names: ['loss'] });
    const other = hub.subscribe('r2');
    hub.publishPoints('r1', [point(1), point(1, 'grad_norm')]);
    hub.publishPoints('r1', [point(2, 'grad_norm')]);
    hub.publishStatus('r1', 'RUNNING');
    hub.publishStatus('r1', 'COMPLETED');
    hub.publishPoints('r1', [point(3)]); // after the end: nobody is listening
    expect(await collect(all)).toEqual([
      { kind: 'points', points: [point(1), point(1, 'grad_norm')] },
      { kind: 'points', points: [point(2, 'grad_norm')] },
      { kind: 'status', status: 'RUNNING', error: null },
      { kind: 'status', status: 'COMPLETED', error: null },
    ]);
    expect(await collect(lossOnly)).toEqual([
      { kind: 'points', points: [point(1)] },
      { kind: 'status', status: 'RUNNING', error: null },
      { kind: 'status', status: 'COMPLETED', error: null },
    ]);
    expect(hub.subscriberCount('r1')).toBe(0);
    expect(await other.take(5)).toBe('timeout');
    expect(hub.subscriberCount()).toBe(1);
  });

  it('wakes a waiting reader and times out without losing a later event', async () => {
    const hub = new LiveHub();
    const s = hub.subscribe('r1');
    const pending = s.take();
    hub.publishPoints('r1', [point(7)]);
    expect(await pending).toEqual({ kind: 'points', points: [point(7)] });
    expect(await s.take(10)).toBe('timeout');
    hub.publishPoints('r1', [point(8)]);
    expect(await s.take(10)).toEqual({ kind: 'points', points: [point(8)] });
  });

  it('drops a subscriber that lags beyond its bound, frees its buffer and tells it where to resume', async () => {
    const hub = new LiveHub({ maxBufferedPoints: 4 });
    const slow = hub.subscribe('r1');
    const fast = hub.subscribe('r1');
    hub.publishPoints('r1', [point(1), point(2)]);
    expect(await slow.take()).toEqual({ kind: 'points', points: [point(1), point(2)] });
    expect(await fast.take()).toMatchObject({ kind: 'points' });
    hub.publishPoints('r1', [point(3), point(4)]);
    expect(await fast.take()).toMatchObject({ kind: 'points' });
    hub.publishPoints('r1', [point(5), point(6)]);
    expect(slow.buffered).toBe(4);
    // The publisher does not wait: this call returns at once and drops `slow`.
    hub.publishPoints('r1', [point(7)]);
    expect(slow.buffered).toBe(0);
    expect(slow.closed).toBe(true);
    expect(hub.subscriberCount('r1')).toBe(1);
    await expect(slow.take()).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      message: expect.stringContaining('reconnect with since_step=2'),
    });
    // The other subscriber is unaffected.
    expect(await fast.take()).toEqual({ kind: 'points', points: [point(5), point(6)] });
    expect(await fast.take()).toEqual({ kind: 'points', points: [point(7)] });
  });

  it('frees everything on unsubscribe, including when a for-await loop breaks', async () => {
    const hub = new LiveHub();
    const s = hub.subscribe('r1');
    hub.publishPoints('r1', [point(1), point(2)]);
    s.close();
    expect(s.buffered).toBe(0);
    expect(hub.subscriberCount()).toBe(0);
    expect(await s.take()).toBe('end');

    const t = hub.subscribe('r1');
    hub.publishPoints('r1', [point(3)]);
    hub.publishPoints('r1', [point(4)]);
    for await (const event of t) {
      expect(event).toMatchObject({ kind: 'points' });
      break;
    }
    expect(t.closed).toBe(true);
    expect(hub.subscriberCount()).toBe(0);
  });
});
