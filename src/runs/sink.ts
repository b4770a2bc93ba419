import type { MetricRepository } from '../store/types.js';
import type { MetricPoint } from './spec.js';

/**
 * Buffers metric points on the main thread and writes them to the store in the background, so a
 * slow or failing database never stalls training (workers post points and move on).
 *
 * - `add` only buffers. Points are keyed by (run, name, step): a point added again before it was
 *   written replaces the buffered one, and the store upserts on the same key, so replays (a resumed
 *   run recomputing steps after its checkpoint) and retries never duplicate.
 * - A write starts when `flushPoints` are buffered or every `flushIntervalMs`, whichever is first;
 *   one write runs at a time, `batchSize` points per `upsertMany`.
 * - A failed write is retried with exponential backoff (`retryBaseMs` doubling up to `retryMaxMs`),
 *   `maxRetries` times; then the points go back to the FRONT of the buffer for the next interval and
 *   `onError` is told. Points are written in the order they were added, so the stored points of a
 *   run are always every point up to some step (plus part of the next): a watcher reading from the
 *   store never sees a later step before an earlier one.
 * - After a write that emptied the buffer, `onStored` gets, per run written since its last call, the
 *   highest step written: every point added up to it is now stored (see `notify.ts`).
 * - The buffer is bounded by `maxBufferedPoints`. Beyond it new points are DROPPED (counted in
 *   `dropped`, reported to `onDrop`): memory stays bounded during a long outage, and the newest
 *   values of a run resume as soon as the store recovers. Live watchers are fed by the hub, not by
 *   this buffer, so they see every point regardless.
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

const keyOf = (p: MetricPoint): string => `${p.runId}\u0000${p.name}\u0000${p.step}`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class MetricSink {
  private readonly repository: Pick<MetricRepository, 'upsertMany'>;
  private readonly o: Required<Omit<MetricSinkOptions, 'onWrite' | 'onDrop' | 'onError' | 'onStored'>>;
  private readonly hooks: Pick<MetricSinkOptions, 'onWrite' | 'onDrop' | 'onError' | 'onStored'>;
  private readonly buffer = new Map<string, MetricPoint>();
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
      if (this.buffer.size > 0) this.kick();
    }, this.o.flushIntervalMs);
    this.timer.unref();
  }

  /** Points waiting to be written. */
  get buffered(): number {
    return this.buffer.size;
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
    let dropped = 0;
    for (const p of points) {
      const key = keyOf(p);
      if (!this.buffer.has(key) && this.buffer.size >= this.o.maxBufferedPoints) {
        dropped += 1;
        continue;
      }
      this.buffer.set(key, p);
    }
    if (dropped > 0) {
      this.droppedPoints += dropped;
      this.hooks.onDrop?.(dropped);
    }
    if (this.buffer.size >= this.o.flushPoints) this.kick();
  }

  /** Writes everything buffered. Rejects with the store's error when a write fails after all retries. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.draining !== null) await this.draining;
      if (this.buffer.size === 0) return;
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
    while (this.buffer.size > 0) {
      const batch: MetricPoint[] = [];
      for (const [key, p] of this.buffer) {
        batch.push(p);
        this.buffer.delete(key);
        if (batch.length >= this.o.batchSize) break;
      }
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

  /** The failed batch goes back before everything added since, keeping the write order. */
  private putBack(batch: readonly MetricPoint[]): void {
    const later = [...this.buffer];
    this.buffer.clear();
    // Newer values added meanwhile win over the batch's, in the batch's place.
    const newer = new Map(later);
    for (const p of batch) this.buffer.set(keyOf(p), newer.get(keyOf(p)) ?? p);
    for (const [key, p] of later) if (!this.buffer.has(key)) this.buffer.set(key, p);
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
