import type { MetricPoint } from '../core/index.js';
import type { MetricRepository } from '../store/types.js';

/**
 * Buffers metric points on the main thread and writes them to the store in the background, so a
 * slow or failing database never stalls training (workers post points and move on).
 *
 * - `add` only buffers, in a queue: no per-point key is built (keying every point was the largest
 *   share of the ingest path's event-loop CPU; docs/benchmarks.md, History). A point added again,
 *   for the same (run, name, step), is written after the first, and the store upserts on that
 *   key, so the latest value wins and replays (a resumed run recomputing steps after its
 *   checkpoint) and retries never duplicate.
 * - A write starts when `flushPoints` are buffered or every `flushIntervalMs`, whichever is first;
 *   one write runs at a time, `batchSize` points per `upsertMany`.
 * - A failed write is retried with exponential backoff (`retryBaseMs` doubling up to `retryMaxMs`),
 *   `maxRetries` times; then the points go back to the FRONT of the buffer for the next interval and
 *   `onError` is told. Points are written in the order they were added, so the stored points of a
 *   run are always every point up to some step (plus part of the next): a watcher reading from the
 *   store never sees a later step before an earlier one.
 * - After a write that emptied the buffer, `onStored` gets, per run written since its last call, the
 *   highest step written: every point added up to it is now stored (see `notify.ts`).
 * - The buffer is bounded by `maxBufferedPoints`: every point added counts, repeats included,
 *   until it is taken for a write (so a failed batch put back can briefly hold up to `batchSize`
 *   more). Beyond it new points are DROPPED (counted in `dropped`, reported to `onDrop`): memory
 *   stays bounded during a long outage, and the newest values of a run resume as soon as the store
 *   recovers. Live watchers are fed by the hub, not by this buffer, so they see every point
 *   regardless.
 * - `close()` stops the timer and flushes everything (graceful shutdown).
 */

export interface MetricSinkOptions {
  /** Start a write when this many points are buffered. Default 500. */
  readonly flushPoints?: number;
  /** Write buffered points at least this often. Default 200 ms. */
  readonly flushIntervalMs?: number;
  /** Points per `upsertMany` call. Default 1,000. */
  readonly batchSize?: number;
  /** Points held at most; more are dropped. Default 100,000. */
  readonly maxBufferedPoints?: number;
  /** Retries of a failed write before it waits for the next interval. Default 5. */
  readonly maxRetries?: number;
  /** First retry delay, doubled each retry. Default 100 ms. */
  readonly retryBaseMs?: number;
  /** Cap of the retry delay. Default 5,000 ms. */
  readonly retryMaxMs?: number;
  /** Called after every write attempt with its duration (seconds) and outcome. */
  readonly onWrite?: (seconds: number, points: number, ok: boolean) => void;
  /** Called when points are dropped because the buffer is full. */
  readonly onDrop?: (count: number) => void;
  /** Called when a write still fails after every retry. */
  readonly onError?: (error: unknown) => void;
  /** Called after a write that emptied the buffer: run id → highest step written since the last call. */
  readonly onStored?: (steps: ReadonlyMap<string, number>) => void;
}

type DrainOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class MetricSink {
  private readonly repository: Pick<MetricRepository, 'upsertMany'>;
  private readonly o: Required<Omit<MetricSinkOptions, 'onWrite' | 'onDrop' | 'onError' | 'onStored'>>;
  private readonly hooks: Pick<MetricSinkOptions, 'onWrite' | 'onDrop' | 'onError' | 'onStored'>;
  /** Points not yet written, in the order added, from `head` on. */
  private buffer: MetricPoint[] = [];
  private head = 0;
  /** Highest step written per run since `onStored` was last called. */
  private readonly storedSteps = new Map<string, number>();
  private draining: Promise<DrainOutcome> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private droppedPoints = 0;
  private writtenPoints = 0;

  constructor(repository: Pick<MetricRepository, 'upsertMany'>, options: MetricSinkOptions = {}) {
    this.repository = repository;
    this.o = {
      flushPoints: options.flushPoints ?? 500,
      flushIntervalMs: options.flushIntervalMs ?? 200,
      batchSize: options.batchSize ?? 1_000,
      maxBufferedPoints: options.maxBufferedPoints ?? 100_000,
      maxRetries: options.maxRetries ?? 5,
      retryBaseMs: options.retryBaseMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5_000,
    };
    this.hooks = options;
    this.timer = setInterval(() => {
      if (this.buffered > 0) this.kick();
    }, this.o.flushIntervalMs);
    this.timer.unref();
  }

  /** Points waiting to be written. */
  get buffered(): number {
    return this.buffer.length - this.head;
  }

  /** Points dropped because the buffer was full. */
  get dropped(): number {
    return this.droppedPoints;
  }

  /** Points written so far (a point rewritten by a retry counts again). */
  get written(): number {
    return this.writtenPoints;
  }

  /** Buffers points; never waits. */
  add(points: readonly MetricPoint[]): void {
    const room = Math.max(0, this.o.maxBufferedPoints - this.buffered);
    const taken = Math.min(room, points.length);
    for (let i = 0; i < taken; i++) this.buffer.push(points[i] as MetricPoint);
    const dropped = points.length - taken;
    if (dropped > 0) {
      this.droppedPoints += dropped;
      this.hooks.onDrop?.(dropped);
    }
    if (this.buffered >= this.o.flushPoints) this.kick();
  }

  /** Writes everything buffered. Rejects with the store's error when a write fails after all retries. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.draining !== null) await this.draining;
      if (this.buffered === 0) return;
      const outcome = await this.kick();
      if (!outcome.ok) throw outcome.error;
    }
  }

  /** Stops the interval and flushes. */
  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Starts a drain unless one runs; resolves with how that drain ended. */
  private kick(): Promise<DrainOutcome> {
    if (this.draining === null) {
      this.draining = this.drain().finally(() => {
        this.draining = null;
      });
    }
    return this.draining;
  }

  private async drain(): Promise<DrainOutcome> {
    while (this.buffered > 0) {
      const batch = this.take(this.o.batchSize);
      const error = await this.writeWithRetries(batch);
      if (error !== undefined) {
        this.putBack(batch);
        this.hooks.onError?.(error.cause);
        return { ok: false, error: error.cause };
      }
      for (const p of batch) {
        if (p.step > (this.storedSteps.get(p.runId) ?? -1)) this.storedSteps.set(p.runId, p.step);
      }
    }
    if (this.storedSteps.size > 0) {
      const steps = new Map(this.storedSteps);
      this.storedSteps.clear();
      this.hooks.onStored?.(steps);
    }
    return { ok: true };
  }

  /** The oldest `count` points, removed from the queue. */
  private take(count: number): MetricPoint[] {
    const batch = this.buffer.slice(this.head, this.head + count);
    this.head += batch.length;
    // Drop the taken prefix now and then, not per batch: copying the tail each time is quadratic.
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (this.head >= 4_096 && this.head * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /**
   * The failed batch goes back before everything added since, keeping the write order: a newer
   * value added meanwhile for one of its keys is still written after it, so it wins.
   */
  private putBack(batch: readonly MetricPoint[]): void {
    this.buffer = [...batch, ...this.buffer.slice(this.head)];
    this.head = 0;
  }

  /** Undefined on success, else the last error wrapped (so an `undefined` rejection is not lost). */
  private async writeWithRetries(batch: readonly MetricPoint[]): Promise<{ cause: unknown } | undefined> {
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.o.maxRetries; attempt += 1) {
      if (attempt > 0) await sleep(Math.min(this.o.retryBaseMs * 2 ** (attempt - 1), this.o.retryMaxMs));
      const started = performance.now();
      try {
        await this.repository.upsertMany(batch);
        this.writtenPoints += batch.length;
        this.hooks.onWrite?.((performance.now() - started) / 1000, batch.length, true);
        return undefined;
      } catch (error) {
        lastError = error;
        this.hooks.onWrite?.((performance.now() - started) / 1000, batch.length, false);
      }
    }
    return { cause: lastError };
  }
}
