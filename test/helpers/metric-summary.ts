import type { MetricPoint } from '../../src/core/index.js';
import type { MetricSummary } from '../../src/store/types.js';

/**
 * The summaries of `points` (at most one per run, name and step) computed here, independently of
 * the store's SQL, by the contract of `MetricSummary`: counts include NaN and ±∞; `last` is the
 * highest step whatever its value; `lastFinite`, `min` and `max` cover finite values, a tie naming
 * the first step. Ordered by run id, then name, as the store answers.
 */
export function recomputeSummaries(points: readonly MetricPoint[]): MetricSummary[] {
  const groups = new Map<string, MetricPoint[]>();
  for (const p of points) {
    const key = `${p.runId}\u0000${p.name}`;
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [p]);
    else list.push(p);
  }
  const out: MetricSummary[] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) => a.step - b.step);
    const finite = sorted.filter((p) => Number.isFinite(p.value));
    const first = sorted[0] as MetricPoint;
    const last = sorted[sorted.length - 1] as MetricPoint;
    const extreme = (better: (a: number, b: number) => boolean) => {
      let best: MetricPoint | undefined;
      for (const p of finite) if (best === undefined || better(p.value, best.value)) best = p;
      return best === undefined ? null : { step: best.step, value: best.value };
    };
    const lastFinite = finite[finite.length - 1];
    out.push({
      runId: first.runId,
      name: first.name,
      count: sorted.length,
      nonFiniteCount: sorted.length - finite.length,
      last: { step: last.step, value: last.value },
      lastFinite: lastFinite === undefined ? null : { step: lastFinite.step, value: lastFinite.value },
      min: extreme((a, b) => a < b),
      max: extreme((a, b) => a > b),
    });
  }
  // The store orders names by the database's collation: callers sort its answer by this key too.
  return out.sort(bySummaryKey);
}

/** Orders summaries by run id, then name (code units), to compare two lists. */
export function bySummaryKey(a: MetricSummary, b: MetricSummary): number {
  const ka = `${a.runId}\u0000${a.name}`;
  const kb = `${b.runId}\u0000${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
