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

/**
 * RESOURCE_EXHAUSTED when `project` has `maxQueued` QUEUED runs already (GRADNOISE_MAX_QUEUED_RUNS).
 * The count and the insert are not one transaction, so concurrent StartRuns of one project may
 * overshoot the limit by at most their number; the limit bounds a runaway client, not a budget.
 */
export async function checkQueuedRuns(
  runs: Pick<RunRepository, 'countQueued'>,
  project: string,
  maxQueued: number,
  adding = 1,
): Promise<void> {
  const queued = await runs.countQueued(project, maxQueued);
  if (queued + adding > maxQueued) {
    throw new AppError(
      'RESOURCE_EXHAUSTED',
      `project ${JSON.stringify(project)} has ${queued} queued runs; at most ${maxQueued} may wait at once ` +
        `(adding ${adding}). Wait for some to start or cancel them`,
    );
  }
}
