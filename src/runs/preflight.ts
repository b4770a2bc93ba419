import { prefixFieldError, type RunSpec } from '../core/index.js';
import type { DataRootPolicy } from '../data/index.js';
import { builtinTrainers, type TrainerRegistry } from '../trainers/index.js';

/**
 * The trainer's preflight of runs about to be queued or started: each distinct trainer config once,
 * through `TrainerDefinition.preflight` (cheap checks of what the run will read, e.g. that an IDX
 * directory lies in the data roots and its headers agree), under this service's `dataRoots`.
 * Field errors are prefixed with the trainer's name, as compilation reports them (`mlp.data.dir`).
 *
 * It runs on the main thread at two moments, and only here:
 * - when runs are requested (StartRun, StartSweep), after compilation and before anything is
 *   stored, so a bad path fails the request (INVALID_ARGUMENT or FAILED_PRECONDITION) instead of
 *   a run minutes later;
 * - when the scheduler launches a claimed run, before a worker gets it: the run may have been
 *   queued under another policy (before a change, or by a replica configured otherwise) and its
 *   data may have gone since. A failure there ends the run FAILED with the reason.
 *
 * It is the early answer, not the guard: the worker checks the policy again at every read
 * (`TrainerContext.dataRoots`), since a spec can reach a worker without passing through here.
 */
export async function preflightRuns(
  specs: Iterable<Pick<RunSpec, 'trainer' | 'trainerConfig'>>,
  dataRoots: DataRootPolicy,
  trainers: TrainerRegistry = builtinTrainers,
): Promise<void> {
  const checked = new Set<string>();
  for (const spec of specs) {
    const key = JSON.stringify([spec.trainer, spec.trainerConfig]);
    if (checked.has(key)) continue;
    checked.add(key);
    const trainer = trainers.get(spec.trainer);
    try {
      await trainer.preflight?.(spec.trainerConfig, dataRoots);
    } catch (error) {
      throw prefixFieldError(`${trainer.name}.`, error);
    }
  }
}
