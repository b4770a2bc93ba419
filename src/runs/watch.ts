import { AppError, type MetricPoint, type RunStatus, TERMINAL_STATUSES } from '../core/index.js';
import type { Store } from '../store/types.js';
import type { LiveHub } from './hub.js';
import type { MetricSink } from './sink.js';

/** One event of a metrics watch: a batch of points (replayed or live), or the end of the run. */
export type WatchEvent =
  | { readonly kind: 'points'; readonly points: readonly MetricPoint[]; readonly status: RunStatus }
  | { readonly kind: 'end'; readonly status: RunStatus };

export interface WatchOptions {
  /** Only points with step > sinceStep. */
  readonly sinceStep: number;
  /** Only these names; empty: all. */
  readonly names: readonly string[];
  /** Ends the watch and frees its subscription. */
  readonly signal: AbortSignal;
}

export interface WatchDeps {
  readonly store: Store;
  readonly hub: LiveHub;
  readonly sink: MetricSink;
  readonly bufferPoints: number;
  readonly pollMs: number;
  readonly replayBatchSize: number;
}

/**
 * StreamMetrics: stored points, then live ones, then the final status, with no gap and no
 * duplicate at the seam, whichever replica trains the run. The order of operations is what makes
 * the seam exact:
 *
 * 1. Subscribe to the hub first, so every event published from now on is buffered for us.
 * 2. Flush the metric sink, so every point published *before* the subscription is in the store.
 * 3. Read the run's status, then replay the store (step > sinceStep).
 * 4. Drain the hub. A point is yielded only if its step is beyond the last step already yielded for
 *    its name, which drops what the replay already covered and what a resumed attempt recomputes.
 *    - Points of a run training here come from the hub itself. When their first step is beyond
 *      the next one expected (a resumed attempt whose checkpoint is newer than what we yielded),
 *      the store fills the gap first.
 *    - A run training on another replica announces `stored` events (PostgreSQL NOTIFY, see
 *      `notify-feed.ts`): each reads the new points from the store.
 *    - When no event came for `pollMs` (no NOTIFY, e.g. its connection is down) the status is
 *      re-read and the store read again, so a watcher is never stuck.
 * 5. End on a terminal status, after a last read of the store.
 *
 * Live points are put in (step, name) order, the order of a replay, so a watcher yields the same
 * sequence whichever path brought each point.
 *
 * Reads of the store start one step below the highest step yielded: the sink writes points in
 * order (`sink.ts`), so every step below that one is complete, and the step itself may have been
 * read in part. Each such read is one primary-key range scan returning only new rows.
 *
 * A watcher that falls `bufferPoints` behind is dropped with RESOURCE_EXHAUSTED (see the hub).
 */
export async function* watchRun(
  deps: WatchDeps,
  run: { readonly id: string; readonly project: string },
  options: WatchOptions,
): AsyncGenerator<WatchEvent, void, undefined> {
  const { store, hub, sink } = deps;
  const { sinceStep, names, signal } = options;
  const subscription = hub.subscribe(run.id, { names, maxBufferedPoints: deps.bufferPoints });
  const onAbort = (): void => subscription.close();
  signal.addEventListener('abort', onAbort, { once: true });
  const lastStep = new Map<string, number>();
  let highest = sinceStep;
  const fresh = (points: readonly MetricPoint[]): MetricPoint[] => {
    const out = points.filter((p) => p.step > (lastStep.get(p.name) ?? sinceStep));
    for (const p of out) {
      lastStep.set(p.name, p.step);
      highest = Math.max(highest, p.step);
    }
    return out;
  };
  async function* replay(status: RunStatus, from: number): AsyncGenerator<WatchEvent, void, undefined> {
    const query = {
      sinceStep: from,
      batchSize: deps.replayBatchSize,
      ...(names.length > 0 ? { names } : {}),
    };
    for await (const batch of store.metrics.replay(run.id, query)) {
      if (signal.aborted) return;
      const points = fresh(batch);
      if (points.length > 0) yield { kind: 'points', points, status };
    }
  }
  const catchUp = (status: RunStatus) => replay(status, Math.max(sinceStep, highest - 1));

  try {
    await sink.flush().catch(() => undefined); // a store that cannot take writes fails the replay below
    let status = (await store.runs.get(run.project, run.id)).status;
    yield* replay(status, sinceStep);
    while (!TERMINAL_STATUSES.has(status) && !signal.aborted) {
      let event: Awaited<ReturnType<typeof subscription.take>>;
      try {
        event = await subscription.take(deps.pollMs);
      } catch (error) {
        if (error instanceof AppError && error.code === 'RESOURCE_EXHAUSTED') {
          const description =
            `metrics watcher of run ${run.id} fell more than ${deps.bufferPoints} points behind live training ` +
            `and was dropped; reconnect with since_step=${highest}`;
          throw new AppError('RESOURCE_EXHAUSTED', description, {
            quotaViolation: { subject: `run:${run.id}`, description },
          });
        }
        throw error;
      }
      if (event === 'end') return;
      if (event === 'timeout') {
        status = (await store.runs.get(run.project, run.id)).status;
        yield* catchUp(status);
      } else if (event.kind === 'status') {
        status = event.status;
      } else if (event.kind === 'stored') {
        if (event.step > highest) yield* catchUp(status);
      } else {
        if ((event.points[0]?.step ?? 0) > highest + 1) yield* catchUp(status);
        const points = fresh([...event.points].sort(byStepThenName));
        if (points.length > 0) yield { kind: 'points', points, status };
      }
    }
    if (signal.aborted) return;
    yield* catchUp(status);
    yield { kind: 'end', status };
  } finally {
    signal.removeEventListener('abort', onAbort);
    subscription.close();
  }
}

function byStepThenName(a: MetricPoint, b: MetricPoint): number {
  return a.step - b.step || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
