import { randomUUID } from 'node:crypto';
import { type DataRootPolicy, preflightRuns } from '../runs/index.js';
import type { SweepRecord, SweepRepository } from '../store/types.js';
import type { TrainerRegistry } from '../trainers/index.js';
import { compileSweep } from './compile-sweep.js';
import { runLabels, runRequestId } from './run-labels.js';
import type { SweepRequest } from './types.js';

export interface SweepDeps {
  /** `sweeps.create` stores the sweep and its runs in one transaction, idempotent on the request id. */
  readonly store: { readonly sweeps: Pick<SweepRepository, 'create'> };
  /** Runs were queued: look for work now (the scheduler's `wake`). */
  wake(): void;
  /**
   * Admission control, called with the number of runs the sweep would queue before anything is
   * stored (e.g. the per-project queued-run limit). Throws to refuse. Default: admit.
   */
  readonly admit?: (runs: number) => Promise<void>;
  /** What the runs may read: bounds compilation and the preflight (the service's policy). */
  readonly dataRoots: DataRootPolicy;
  /** The service's trainers (built-ins and plugins). Default: the built-ins. */
  readonly trainers?: TrainerRegistry;
}

/**
 * StartSweep: compiles the request (every run validated, see `compileSweep`), runs the trainer's
 * preflight on its runs (`preflightRuns`: each distinct config once, e.g. a data directory), then
 * stores the sweep and all its runs in one transaction. A retry with the same request id returns
 * the first sweep and queues nothing; a failure queues nothing either.
 */
export async function startSweep(
  deps: SweepDeps,
  project: string,
  request: SweepRequest,
  requestId: string | null,
): Promise<{ sweep: SweepRecord; created: boolean }> {
  const plan = compileSweep(request, deps.dataRoots, deps.trainers);
  await deps.admit?.(plan.runs.length);
  await preflightRuns(
    plan.runs.map((run) => run.spec),
    deps.dataRoots,
    deps.trainers,
  );
  const id = randomUUID();
  const result = await deps.store.sweeps.create({
    id,
    project,
    requestId,
    name: plan.spec.name,
    spec: plan.spec as unknown as Readonly<Record<string, unknown>>,
    runs: plan.runs.map((run) => ({
      project,
      requestId: runRequestId(id, run.index),
      spec: run.spec,
      labels: runLabels(plan.spec, id, run),
      sweepId: id,
    })),
  });
  if (result.created) deps.wake();
  return result;
}
