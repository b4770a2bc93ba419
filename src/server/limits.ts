import { AppError } from '../core/index.js';
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
      const description = `too many concurrent streams: this client already holds ${held} of at most ${this.maxPerClient} on this server; close one first`;
      throw new AppError('RESOURCE_EXHAUSTED', description, {
        quotaViolation: { subject: `client:${client}`, description },
      });
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
/** Projects whose estimates are kept; past it the earliest-tracked idle ones are dropped (they count again). */
export const MAX_TRACKED_PROJECTS = 1024;

/** One project's estimate. */
interface Estimate {
  /** Runs admitted through this replica, ever (only grows). */
  admitted: number;
  /** The newest exact count that has come back... */
  counted: number;
  /** ...`admitted` when that count started (what was admitted after it may be missing from it)... */
  admittedAtCount: number;
  /** ...and its start, in `now()` time and in start order. */
  countedAt: number;
  countSeq: number;
  /** Counts in flight; an entry with any is never dropped. */
  counting: number;
}

/**
 * GRADNOISE_MAX_QUEUED_RUNS: RESOURCE_EXHAUSTED when admitting `adding` runs would leave a project
 * with more than `maxQueued` QUEUED runs.
 *
 * Counting the queue costs PostgreSQL time in proportion to its length (docs/benchmarks.md,
 * "Figures behind the code"), so doing it on every StartRun made a long queue slow to add to.
 * Instead each project keeps an estimate: the newest exact count, plus what this replica admitted
 * since that count started. A request that fits the estimate, within {@link QUEUE_COUNT_TTL_MS} of
 * the count, is admitted without a query; any other one counts again first. So:
 * - a refusal always follows an exact count (never from a stale estimate);
 * - runs that left the queue since the count, admissions that inserted nothing (a retried
 *   `request_id`, a failed insert) and admissions that the count saw as well only make the
 *   estimate high, which costs an early recount, never a wrong refusal;
 * - a count that comes back after a newer one is not used as the base, so a slow count cannot
 *   make the estimate low;
 * - what the estimate misses is what other replicas admitted within the last second, plus
 *   requests concurrent with a count (the count and the insert are not one transaction). By that
 *   much a project can overshoot the limit; behind n replicas, up to about n times it. It bounds a
 *   runaway client, not a budget.
 */
export class QueueQuota {
  private readonly estimates = new Map<string, Estimate>();
  private counts = 0;

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
    const e = this.estimates.get(project) ?? this.track(project);
    if (
      this.now() - e.countedAt < QUEUE_COUNT_TTL_MS &&
      e.counted + (e.admitted - e.admittedAtCount) + adding <= this.maxQueued
    ) {
      e.admitted += adding;
      return;
    }
    const started = { admitted: e.admitted, at: this.now(), seq: ++this.counts };
    e.counting += 1;
    let queued: number;
    try {
      queued = await this.runs.countQueued(project, this.maxQueued);
    } finally {
      e.counting -= 1;
    }
    if (started.seq > e.countSeq) {
      e.counted = queued;
      e.admittedAtCount = started.admitted;
      e.countedAt = started.at;
      e.countSeq = started.seq;
    }
    if (queued + adding > this.maxQueued) {
      const description =
        `project ${JSON.stringify(project)} has ${queued} queued runs; at most ${this.maxQueued} may wait at once ` +
        `(adding ${adding}). Wait for some to start or cancel them`;
      throw new AppError('RESOURCE_EXHAUSTED', description, {
        quotaViolation: { subject: `project:${project}`, description },
      });
    }
    e.admitted += adding;
  }

  /** Projects with an estimate (at most {@link MAX_TRACKED_PROJECTS}, plus any with a count in flight). */
  get tracked(): number {
    return this.estimates.size;
  }

  private track(project: string): Estimate {
    if (this.estimates.size >= MAX_TRACKED_PROJECTS) {
      // Earliest tracked first (insertion order, not recency: a busy project dropped only counts
      // again); entries with a count in flight stay, so that count lands.
      for (const [name, old] of this.estimates) {
        if (this.estimates.size < MAX_TRACKED_PROJECTS) break;
        if (old.counting === 0) this.estimates.delete(name);
      }
    }
    const e: Estimate = {
      admitted: 0,
      counted: 0,
      admittedAtCount: 0,
      countedAt: Number.NEGATIVE_INFINITY,
      countSeq: 0,
      counting: 0,
    };
    this.estimates.set(project, e);
    return e;
  }
}
