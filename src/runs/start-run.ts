import type { DataRootPolicy } from '../data/index.js';
import type { CheckpointRepository, RunRecord, RunRepository } from '../store/types.js';
import type { TrainerRegistry } from '../trainers/index.js';
import { compileRunSpec, type RunRequest } from './compile-spec.js';
import { preflightRuns } from './preflight.js';
import { type InitFromRequest, resolveInitFrom } from './resolve-init-from.js';

/** What StartRun needs: the run insert, the queue's wake-up, and (optionally) admission control. */
export interface StartRunDeps {
  /**
   * `create` is idempotent on (project, requestId): a retry returns the first run, `created: false`.
   * `get` reads the run an init_from names.
   */
  readonly runs: Pick<RunRepository, 'create' | 'get'>;
  /** The checkpoint an init_from names. */
  readonly checkpoints: Pick<CheckpointRepository, 'getMeta'>;
  /** A run was queued: look for work now rather than at the next poll (the scheduler's `wake`). */
  wake(): void;
  /**
   * Admission control, asked for `runs` more QUEUED runs of `project` before anything is stored
   * (the per-project queued-run limit, `QueueQuota` in src/server). Throws to refuse. None: admit.
   */
  readonly admission?: { admit(project: string, runs: number): Promise<void> };
  /** What a run may read (the service's policy): bounds compilation and the preflight. */
  readonly dataRoots: DataRootPolicy;
  /** The service's trainers (built-ins and plugins). Default: the built-ins. */
  readonly trainers?: TrainerRegistry;
}

/** One StartRun, decoded from the wire into domain terms. */
export interface StartRunInput {
  /** The caller's project; the run belongs to it. */
  readonly project: string;
  readonly request: RunRequest;
  readonly labels: Readonly<Record<string, string>>;
  /** Idempotency key; null: every call queues a new run. */
  readonly requestId: string | null;
  /** A name to show with the run, validated by the caller. Default '': none. */
  readonly displayName?: string;
  /** A checkpoint of another run of the project to start from. Default: from scratch. */
  readonly initFrom?: InitFromRequest;
}

/**
 * StartRun, in this order:
 * 1. compile the request into the `RunSpec` that is stored and trained (`compileRunSpec`: every
 *    field validated, defaults filled; INVALID_ARGUMENT names the field);
 * 2. the trainer's preflight on that config (`preflightRuns`: e.g. a data directory inside the data
 *    roots and readable on this server), so a run that cannot start is refused now rather than
 *    failing in a worker;
 * 3. the init_from, when there is one: the run and checkpoint it names, resolved and checked
 *    against the spec (`resolveInitFrom`: NOT_FOUND, FAILED_PRECONDITION);
 * 4. admission (RESOURCE_EXHAUSTED past the project's queued-run limit);
 * 5. store it QUEUED. A retry with the same `requestId` returns the first run (`created: false`)
 *    and stores nothing, whatever its other fields say;
 * 6. wake the queue, only when a run was created.
 * Nothing is stored when any step before 5 throws.
 */
export async function startRun(
  deps: StartRunDeps,
  input: StartRunInput,
): Promise<{ run: RunRecord; created: boolean }> {
  const spec = compileRunSpec(input.request, deps.dataRoots, deps.trainers);
  await preflightRuns([spec], deps.dataRoots, deps.trainers);
  const initFrom =
    input.initFrom === undefined
      ? undefined
      : await resolveInitFrom(deps, input.project, input.initFrom, spec);
  await deps.admission?.admit(input.project, 1);
  const result = await deps.runs.create({
    project: input.project,
    requestId: input.requestId,
    spec,
    labels: input.labels,
    ...(input.displayName !== undefined && input.displayName !== ''
      ? { displayName: input.displayName }
      : {}),
    ...(initFrom === undefined ? {} : { initFrom }),
  });
  if (result.created) deps.wake();
  return result;
}
