import pg from 'pg';
import type { MetricPoint } from '../../../src/core/index.js';

/** How complete a run's stored loss series is: every step 1..maxSteps once, nothing else. */
export interface SeriesCheck {
  readonly runId: string;
  /** Loss points stored. */
  readonly points: number;
  /** Steps in 1..maxSteps with no loss point. */
  readonly missing: readonly number[];
  /** (step, name) pairs stored more than once (the primary key forbids it; checked anyway). */
  readonly duplicates: number;
}

/** Checks the `loss` series of each run straight in PostgreSQL. */
export async function checkLossSeries(
  databaseUrl: string,
  runs: readonly { readonly id: string; readonly maxSteps: number }[],
): Promise<SeriesCheck[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const out: SeriesCheck[] = [];
    for (const run of runs) {
      const { rows } = await client.query<{ step: number; n: number }>(
        `SELECT step, count(*)::int AS n FROM metric_points
         WHERE run_id = $1 AND name = 'loss' GROUP BY step ORDER BY step`,
        [run.id],
      );
      const seen = new Set(rows.map((r) => r.step));
      const missing: number[] = [];
      for (let step = 1; step <= run.maxSteps; step++) if (!seen.has(step)) missing.push(step);
      out.push({
        runId: run.id,
        points: rows.reduce((sum, r) => sum + r.n, 0),
        missing,
        duplicates: rows.filter((r) => r.n > 1).length,
      });
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Sleeps `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A run's stored points as (step, name, value), in replay order, for comparing two runs. */
export async function metricHistory(
  metrics: { replay(runId: string, options: { sinceStep: number }): AsyncIterable<readonly MetricPoint[]> },
  runId: string,
): Promise<[number, string, number][]> {
  const out: [number, string, number][] = [];
  for await (const batch of metrics.replay(runId, { sinceStep: 0 })) {
    for (const p of batch) out.push([p.step, p.name, p.value]);
  }
  return out;
}
