/**
 * ASHA, asynchronous successive halving (Li et al. 2018, "A System for Massively Parallel
 * Hyperparameter Tuning", Algorithm 2), in its early-stopping form: every run of a sweep trains on,
 * and at each rung of budget r·η^k (r the grace period, η the reduction factor, below the maximum
 * budget) it is judged against the runs that reached that rung before it; a run outside the top
 * 1/η of them stops there. Being asynchronous, a run never waits for others: it is judged against
 * what has been recorded so far, so early arrivals are judged leniently and later ones harder.
 *
 * Pure functions only: the service records each rung entry in PostgreSQL and calls
 * {@link decideRung} inside the transaction that locks the sweep, so every replica reaches the
 * same decision whatever the arrival order it sees (see `src/runs/early-stop.ts`).
 */

/** Whether a larger or a smaller metric is better. */
export type AshaMode = 'max' | 'min';

/** ASHA's settings, compiled (every default filled; sweeps.proto `SweepEarlyStopping`). */
export interface EarlyStopping {
  /** The metric judged, as the trainer reports it (e.g. `test_accuracy`, `test_sequence_error`). */
  readonly metric: string;
  readonly mode: AshaMode;
  /** r: the first rung's budget, in optimizer steps (>= 1). */
  readonly gracePeriod: number;
  /** η: at each rung the top 1/η go on (an integer >= 2). */
  readonly reductionFactor: number;
  /** R: rungs lie below it, in optimizer steps (> gracePeriod). */
  readonly maxBudget: number;
}

/** A run's evaluation of the metric at a step: what ASHA is told. `value` may be non-finite. */
export interface RungReport {
  readonly runId: string;
  /** Runs are compared within their arm only (the no-noise control against itself). */
  readonly arm: string;
  readonly step: number;
  readonly value: number;
}

/** A run recorded at a rung, and whether it was stopped there. */
export interface RungEntry {
  readonly runId: string;
  readonly arm: string;
  /** Index of the rung (0 = the grace period). */
  readonly rung: number;
  readonly step: number;
  readonly value: number;
  readonly stop: boolean;
}

/** What to do with a report: stop the run or not, and the entry to record (null: none). */
export interface RungDecision {
  readonly stop: boolean;
  readonly entry: RungEntry | null;
}

/** The rungs' budgets r·η^k for k = 0, 1, … below the maximum budget, ascending. */
export function rungBudgets(settings: EarlyStopping): number[] {
  const budgets: number[] = [];
  for (let b = settings.gracePeriod; b < settings.maxBudget; b *= settings.reductionFactor) budgets.push(b);
  return budgets;
}

/**
 * The decision on one report, given the entries recorded so far for the sweep (any order):
 *
 * 1. A run already stopped stays stopped (a replayed report after a crash).
 * 2. The report's rung is the highest whose budget is <= its step; none (before the grace period),
 *    or one the run was already recorded at or above: go on, record nothing.
 * 3. Otherwise let n be the entries of the same arm at that rung plus this one, and the rank 1 +
 *    those strictly better. The run goes on when rank <= max(1, ⌊n / η⌋): the top 1/η of the rung
 *    (Algorithm 2's promotion rule), and the first arrival always goes on. A non-finite value is
 *    worse than every finite one.
 */
export function decideRung(
  settings: EarlyStopping,
  recorded: readonly RungEntry[],
  report: RungReport,
): RungDecision {
  const own = recorded.filter((e) => e.runId === report.runId);
  if (own.some((e) => e.stop)) return { stop: true, entry: null };
  const budgets = rungBudgets(settings);
  const rung = budgets.findLastIndex((b) => b <= report.step);
  if (rung < 0 || own.some((e) => e.rung >= rung)) return { stop: false, entry: null };
  const peers = recorded.filter((e) => e.arm === report.arm && e.rung === rung);
  const quota = Math.max(1, Math.floor((peers.length + 1) / settings.reductionFactor));
  const rank = 1 + peers.filter((p) => isBetter(settings.mode, p.value, report.value)).length;
  const stop = rank > quota;
  const { runId, arm, step, value } = report;
  return { stop, entry: { runId, arm, rung, step, value, stop } };
}

/**
 * Replays reports in arrival order through {@link decideRung}: the entries recorded and the runs
 * stopped. What a single decider would conclude from that sequence (the unit tests' oracle).
 */
export function replayRungs(
  settings: EarlyStopping,
  reports: readonly RungReport[],
): { readonly entries: readonly RungEntry[]; readonly stopped: ReadonlySet<string> } {
  const entries: RungEntry[] = [];
  const stopped = new Set<string>();
  for (const report of reports) {
    const decision = decideRung(settings, entries, report);
    if (decision.entry !== null) entries.push(decision.entry);
    if (decision.stop) stopped.add(report.runId);
  }
  return { entries, stopped };
}

/** Whether `a` is strictly better than `b`; a non-finite value is the worst. */
function isBetter(mode: AshaMode, a: number, b: number): boolean {
  if (!Number.isFinite(a)) return false;
  if (!Number.isFinite(b)) return true;
  return mode === 'max' ? a > b : a < b;
}
