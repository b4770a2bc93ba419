import { AppError } from '../errors/index.js';
import type { RunRepository } from '../store/types.js';

/**
 * Limits a client's server streams (StreamMetrics, GetCheckpoint) open at once on this replica.
 * A client is a token when authentication is on, a peer address when it is off (see src/auth).
 * The count is per replica: behind a load balancer of n replicas a client holds at most n times it.
 */
export class StreamLimiter {
  private readonly open = new Map<string, number>();

  /** @param maxPerClient streams one client may hold at once (GRADNOISE_MAX_STREAMS_PER_CLIENT). */
  constructor(readonly maxPerClient: number) {
    if (!Number.isInteger(maxPerClient) || maxPerClient < 1) {
      throw new RangeError(`maxPerClient must be an integer >= 1, got ${maxPerClient}`);
    }
  }

  /**
   * Takes a slot for `client` and returns the function that gives it back (calling it again does
   * nothing). Throws RESOURCE_EXHAUSTED when the client holds `maxPerClient` streams already.
   */
  acquire(client: string): () => void {
    const held = this.open.get(client) ?? 0;
    if (held >= this.maxPerClient) {
      throw new AppError(
        'RESOURCE_EXHAUSTED',
        `too many concurrent streams: this client already holds ${held} of at most ${this.maxPerClient} on this server; close one first`,
      );
    }
    this.open.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.open.get(client) ?? 1) - 1;
      if (now <= 0) this.open.delete(client);
      else this.open.set(client, now);
    };
  }

  /** Streams held by one client, or by all. */
  held(client?: string): number {
    if (client !== undefined) return this.open.get(client) ?? 0;
    let n = 0;
    for (const count of this.open.values()) n += count;
    return n;
  }
}

/** How long a project's counted queue serves as the base of its estimate. */
export const QUEUE_COUNT_TTL_MS = 1000;
/** Projects whose estimates are kept before stale ones are dropped. */
const MAX_TRACKED_PROJECTS = 1024;

/**
 * GRADNOISE_MAX_QUEUED_RUNS: RESOURCE_EXHAUSTED when admitting `adding` runs would leave a project
 * with more than `maxQueued` QUEUED runs.
 *
 * Counting the queue costs PostgreSQL time in proportion to its length (1.4 ms of server CPU at
 * 1,500 queued runs, measured), so doing it on every StartRun made a long queue slow to add to.
 * Instead each project keeps an estimate: the last exact count, plus what this replica admitted
 * since. A request that fits the estimate, within {@link QUEUE_COUNT_TTL_MS} of the count, is
 * admitted without a query; any other one counts again first. So:
 * - a refusal always follows an exact count (never from a stale estimate);
 * - runs that left the queue since the count only make the estimate high, which costs one
 *   early recount, never a wrong refusal;
 * - what the estimate misses is what other replicas admitted within the last second, plus
 *   concurrent requests (the count and the insert are not one transaction). By that much a
 *   project can overshoot the limit: it bounds a runaway client, not a budget.
 */
export class QueueQuota {
  /** Per project: the last exact count, when it was taken, and what was admitted on top since. */
  private readonly estimates = new Map<string, { counted: number; countedAt: number; admitted: number }>();

  constructor(
    private readonly runs: Pick<RunRepository, 'countQueued'>,
    readonly maxQueued: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(maxQueued) || maxQueued < 1) {
      throw new RangeError(`maxQueued must be an integer >= 1, got ${maxQueued}`);
    }
  }

  /** Resolves when `adding` more runs of `project` fit, and counts them in; else RESOURCE_EXHAUSTED. */
  async admit(project: string, adding = 1): Promise<void> {
    const before = this.estimates.get(project);
    if (
      before !== undefined &&
      this.now() - before.countedAt < QUEUE_COUNT_TTL_MS &&
      before.counted + before.admitted + adding <= this.maxQueued
    ) {
      before.admitted += adding;
      return;
    }
    const admittedBefore = before?.admitted ?? 0;
    const countedAt = this.now();
    const queued = await this.runs.countQueued(project, this.maxQueued);
    if (queued + adding > this.maxQueued) {
      throw new AppError(
        'RESOURCE_EXHAUSTED',
        `project ${JSON.stringify(project)} has ${queued} queued runs; at most ${this.maxQueued} may wait at once ` +
          `(adding ${adding}). Wait for some to start or cancel them`,
      );
    }
    // What was admitted on the estimate while this count ran may not be in it, so it stays on top.
    const after = this.estimates.get(project);
    const during =
      after === undefined ? 0 : after === before ? after.admitted - admittedBefore : after.admitted;
    this.forgetStale(project);
    this.estimates.set(project, { counted: queued, countedAt, admitted: during + adding });
  }

  /** Keeps the map bounded: past {@link MAX_TRACKED_PROJECTS}, stale estimates go. */
  private forgetStale(adding: string): void {
    if (this.estimates.size < MAX_TRACKED_PROJECTS || this.estimates.has(adding)) return;
    const now = this.now();
    for (const [project, e] of this.estimates) {
      if (now - e.countedAt >= QUEUE_COUNT_TTL_MS) this.estimates.delete(project);
    }
  }
}
