import { decideRung, type EarlyStopping, rungBudgets } from '../core/index.js';
import type { RunRecord, Store } from '../store/types.js';
import type { RunJob } from './worker/protocol.js';

/** How a claimed run takes part in its sweep's early stopping. */
export type EarlyStopPlan =
  /** ASHA already stopped it (a previous attempt was judged, then its replica died or shut down). */
  | { readonly kind: 'stopped' }
  /** Judged at the rungs of `gate`, by `judge`. */
  | {
      readonly kind: 'gated';
      readonly gate: NonNullable<RunJob['gate']>;
      readonly judge: (step: number, value: number) => Promise<boolean>;
    }
  /** Not in a sweep with early stopping. */
  | { readonly kind: 'none' };

/**
 * The replica's side of ASHA (`core/asha.ts`): which runs have rungs, and each judgement, made in
 * one database transaction that locks the sweep (`SweepRepository.judgeRung`). Every replica runs
 * the same pure `decideRung` on the same committed entries, so it does not matter which one trains
 * a run, and a report seen twice (a resumed attempt, a second replica) finds the first decision.
 *
 * A sweep's settings are read once per replica from its stored spec (`earlyStopping`, written by
 * `compileSweep`; a sweep never changes). A run's arm is its noise: the sweep's arms are defined by
 * eta (`no_noise` has eta 0), so rungs compare the control with the control only.
 */
export class EarlyStopJudge {
  private readonly store: Pick<Store, 'sweeps'>;
  private readonly settings = new Map<string, Promise<EarlyStopping | null>>();

  constructor(store: Pick<Store, 'sweeps'>) {
    this.store = store;
  }

  /** The plan of a claimed run: stopped already, gated, or none. */
  async plan(run: RunRecord): Promise<EarlyStopPlan> {
    const { sweepId } = run;
    if (sweepId === null) return { kind: 'none' };
    const settings = await this.settingsOf(run.project, sweepId);
    if (settings === null) return { kind: 'none' };
    if (await this.store.sweeps.stoppedEarly(run.id)) return { kind: 'stopped' };
    const arm = run.spec.noise.eta > 0 ? 'noise' : 'no_noise';
    return {
      kind: 'gated',
      gate: { metric: settings.metric, steps: rungBudgets(settings) },
      judge: async (step, value) => {
        const report = { runId: run.id, arm, step, value };
        const decision = await this.store.sweeps.judgeRung(sweepId, (recorded) =>
          decideRung(settings, recorded, report),
        );
        return decision.stop;
      },
    };
  }

  private settingsOf(project: string, sweepId: string): Promise<EarlyStopping | null> {
    let settings = this.settings.get(sweepId);
    if (settings === undefined) {
      settings = this.store.sweeps.get(project, sweepId).then((record) => {
        const stored = (record.spec as { readonly earlyStopping?: EarlyStopping }).earlyStopping;
        return stored ?? null;
      });
      // A failed read is not cached: the next claim of one of its runs asks again.
      settings.catch(() => this.settings.delete(sweepId));
      this.settings.set(sweepId, settings);
    }
    return settings;
  }
}
