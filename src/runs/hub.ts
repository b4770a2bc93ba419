import { AppError, type MetricPoint, type RunStatus, TERMINAL_STATUSES } from '../core/index.js';

/**
 * In-process fan-out of live metric points and run status changes to StreamMetrics watchers.
 *
 * Policy:
 * - A run may have any number of subscribers; each gets every point published after it subscribed
 *   (filtered by metric name when it asked for names), in publish order, and every status change.
 * - Publishing never waits: it appends to each subscriber's queue and returns. Training therefore
 *   never slows down for a watcher.
 * - Each subscriber's queue is bounded (`maxBufferedPoints`). A subscriber whose unread points would
 *   exceed the bound is DROPPED: its queue is freed at once and its next read throws
 *   `AppError('RESOURCE_EXHAUSTED')` that tells it to reconnect with `since_step` = the last step it
 *   received; the stored history fills the gap on reconnect (StreamMetrics replays from the store).
 * - A terminal status (COMPLETED, FAILED, CANCELLED) is the last event: the subscription ends after
 *   delivering it and leaves the hub.
 * - `close()` (or leaving a `for await` loop) unsubscribes and frees everything it held.
 * - For runs training on another replica, `publishStored` tells subscribers that the store holds
 *   every point up to a step (see `notify.ts`); consecutive such events coalesce into the highest.
 */

export type LiveEvent =
  | { readonly kind: 'points'; readonly points: readonly MetricPoint[] }
  | { readonly kind: 'status'; readonly status: RunStatus; readonly error: string | null }
  | { readonly kind: 'stored'; readonly step: number };

export interface SubscribeOptions {
  /** Only these metric names; empty or absent: all. */
  readonly names?: readonly string[];
  /** Overrides the hub's bound for this subscriber. */
  readonly maxBufferedPoints?: number;
}

export interface LiveHubOptions {
  /** Unread points a subscriber may hold before it is dropped. Default 10,000. */
  readonly maxBufferedPoints?: number;
}

/** One subscriber's view: an async iterable of events, plus a read with a timeout. */
export class LiveSubscription implements AsyncIterable<LiveEvent> {
  readonly runId: string;
  private readonly names: ReadonlySet<string> | null;
  private readonly bound: number;
  private readonly queue: LiveEvent[] = [];
  private bufferedPoints = 0;
  private lastStep = 0;
  private failure: AppError | null = null;
  private ended = false;
  private waiter: (() => void) | null = null;
  private readonly detach: (s: LiveSubscription) => void;

  /** @internal Created by {@link LiveHub.subscribe}. */
  constructor(runId: string, options: Required<SubscribeOptions>, detach: (s: LiveSubscription) => void) {
    this.runId = runId;
    this.names = options.names.length > 0 ? new Set(options.names) : null;
    this.bound = options.maxBufferedPoints;
    this.detach = detach;
  }

  /** Unread points held now. */
  get buffered(): number {
    return this.bufferedPoints;
  }

  /** True once the subscription ended, was closed or was dropped. */
  get closed(): boolean {
    return this.ended || this.failure !== null;
  }

  /** @internal */
  deliverPoints(points: readonly MetricPoint[]): void {
    if (this.closed) return;
    const wanted = this.names === null ? points : points.filter((p) => this.names?.has(p.name));
    if (wanted.length === 0) return;
    if (this.bufferedPoints + wanted.length > this.bound) {
      this.drop();
      return;
    }
    this.queue.push({ kind: 'points', points: wanted });
    this.bufferedPoints += wanted.length;
    this.wake();
  }

  /** @internal */
  deliverStatus(status: RunStatus, error: string | null): void {
    if (this.closed) return;
    this.queue.push({ kind: 'status', status, error });
    this.wake();
  }

  /** @internal */
  deliverStored(step: number): void {
    if (this.closed) return;
    const last = this.queue[this.queue.length - 1];
    if (last?.kind === 'stored') {
      this.queue[this.queue.length - 1] = { kind: 'stored', step: Math.max(last.step, step) };
      return;
    }
    this.queue.push({ kind: 'stored', step });
    this.wake();
  }

  private drop(): void {
    const description =
      `live metrics of run ${this.runId}: the watcher fell more than ${this.bound} points behind and was dropped; ` +
      `reconnect with since_step=${this.lastStep}`;
    this.failure = new AppError('RESOURCE_EXHAUSTED', description, {
      quotaViolation: { subject: `run:${this.runId}`, description },
    });
    this.release();
  }

  private release(): void {
    this.queue.length = 0;
    this.bufferedPoints = 0;
    this.detach(this);
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  /**
   * The next event; `timeout` when none came within `timeoutMs`; `end` after the terminal status or
   * `close()`. Throws the RESOURCE_EXHAUSTED error once the subscriber was dropped.
   */
  async take(timeoutMs = Number.POSITIVE_INFINITY): Promise<LiveEvent | 'timeout' | 'end'> {
    if (this.queue.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(timeoutMs) ? setTimeout(() => this.wake(), timeoutMs) : null;
        this.waiter = () => {
          if (timer !== null) clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.failure !== null) throw this.failure;
    const event = this.queue.shift();
    if (event === undefined) return this.ended ? 'end' : 'timeout';
    if (event.kind === 'points') {
      this.bufferedPoints -= event.points.length;
      for (const p of event.points) if (p.step > this.lastStep) this.lastStep = p.step;
    } else if (event.kind === 'status' && TERMINAL_STATUSES.has(event.status)) {
      this.close();
    }
    return event;
  }

  /** Unsubscribes and frees the queue. Idempotent. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.release();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LiveEvent, void, undefined> {
    try {
      for (;;) {
        const event = await this.take();
        if (event === 'end') return;
        if (event !== 'timeout') yield event;
      }
    } finally {
      this.close();
    }
  }
}

export class LiveHub {
  private readonly maxBufferedPoints: number;
  private readonly byRun = new Map<string, Set<LiveSubscription>>();

  constructor(options: LiveHubOptions = {}) {
    this.maxBufferedPoints = options.maxBufferedPoints ?? 10_000;
  }

  subscribe(runId: string, options: SubscribeOptions = {}): LiveSubscription {
    const subscription = new LiveSubscription(
      runId,
      { names: options.names ?? [], maxBufferedPoints: options.maxBufferedPoints ?? this.maxBufferedPoints },
      (s) => this.remove(s),
    );
    let set = this.byRun.get(runId);
    if (set === undefined) {
      set = new Set();
      this.byRun.set(runId, set);
    }
    set.add(subscription);
    return subscription;
  }

  /** Hands points (all of one run) to its subscribers without waiting for any of them. */
  publishPoints(runId: string, points: readonly MetricPoint[]): void {
    if (points.length === 0) return;
    for (const s of [...(this.byRun.get(runId) ?? [])]) s.deliverPoints(points);
  }

  publishStatus(runId: string, status: RunStatus, error: string | null = null): void {
    for (const s of [...(this.byRun.get(runId) ?? [])]) s.deliverStatus(status, error);
  }

  /** Every point of the run up to `step` is in the store (it trains on another replica). */
  publishStored(runId: string, step: number): void {
    for (const s of [...(this.byRun.get(runId) ?? [])]) s.deliverStored(step);
  }

  /** Ids of the runs that have subscribers. */
  watchedRuns(): string[] {
    return [...this.byRun.keys()];
  }

  /** Subscribers of one run, or of all runs. */
  subscriberCount(runId?: string): number {
    if (runId !== undefined) return this.byRun.get(runId)?.size ?? 0;
    let n = 0;
    for (const set of this.byRun.values()) n += set.size;
    return n;
  }

  private remove(subscription: LiveSubscription): void {
    const set = this.byRun.get(subscription.runId);
    if (set === undefined) return;
    set.delete(subscription);
    if (set.size === 0) this.byRun.delete(subscription.runId);
  }
}
