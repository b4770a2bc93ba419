import { randomUUID } from 'node:crypto';
import type { SweepRecord, SweepRepository } from '../store/types.js';
import { getTrainer } from '../trainers/index.js';
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
}

/**
 * StartSweep: compiles the request (every run validated, see `compileSweep`), checks each distinct
 * trainer config once with the trainer's preflight (e.g. a data directory on this server), then
 * stores the sweep and all its runs in one transaction. A retry with the same request id returns
 * the first sweep and queues nothing; a failure queues nothing either.
 */
export async function startSweep(
  deps: SweepDeps,
  project: string,
  request: SweepRequest,
  requestId: string | null,
): Promise<{ sweep: SweepRecord; created: boolean }> {
  const plan = compileSweep(request);
  await deps.admit?.(plan.runs.length);
  const checked = new Set<string>();
  for (const run of plan.runs) {
    const key = JSON.stringify([run.spec.trainer, run.spec.trainerConfig]);
    if (checked.has(key)) continue;
    checked.add(key);
    await getTrainer(run.spec.trainer).preflight?.(run.spec.trainerConfig);
  }
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
