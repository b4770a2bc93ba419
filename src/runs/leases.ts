import { sha256Hex } from '../checkpoint/index.js';
import type { RunRecord, Store } from '../store/types.js';
import type { RunExecution } from './execution.js';
import type { RunLogger } from './execution-deps.js';
import { Control, type RunJob } from './worker/protocol.js';

/**
 * What a replica does with the runs it holds, besides training them: keep their leases, notice
 * when one was taken away or cancelled elsewhere, and fetch the checkpoint a claimed run resumes from.
 */

/**
 * Renews the leases of the local runs. A run whose lease could not be renewed was recovered by
 * another replica (ours had lapsed), so its local attempt is aborted without writing anything. A run
 * whose cancel was requested through another replica is told to cancel (checkpoint, CANCELLED).
 */
export async function renewLeases(
  store: Store,
  options: { readonly owner: string; readonly leaseMs: number },
  executions: ReadonlyMap<string, RunExecution>,
  logger: RunLogger,
): Promise<void> {
  const ids = [...executions.keys()];
  try {
    const renewed = new Set(await store.runs.renewLeases(options.owner, ids, options.leaseMs));
    for (const id of ids) {
      const execution = executions.get(id);
      if (execution === undefined) continue;
      if (!renewed.has(id)) {
        logger.warn({ runId: id }, 'lease lost; aborting the local attempt');
        execution.stopReason = 'lease-lost';
        execution.signal(Control.abort);
        continue;
      }
      const current = await store.runs.get(execution.run.project, id);
      if (current.cancelRequested) execution.signal(Control.cancel);
    }
  } catch (error) {
    logger.error({ err: error }, 'could not renew leases');
  }
}

/**
 * What a claimed run's attempt starts from: its own latest checkpoint when it has one (a resume);
 * else, for a run with an init_from, the other run's checkpoint it names (which the store keeps
 * while the run exists); else nothing, step 0.
 */
export async function loadStart(store: Store, run: RunRecord): Promise<Pick<RunJob, 'checkpoint' | 'init'>> {
  const checkpoint = await loadCheckpoint(store, run.id, 0);
  if (checkpoint !== null || run.initFrom === null) return { checkpoint };
  const init = await loadCheckpoint(store, run.initFrom.runId, run.initFrom.step);
  if (init === null) {
    throw new Error(`init_from: run ${run.initFrom.runId} has no checkpoint at step ${run.initFrom.step}`);
  }
  return { checkpoint: null, init: { ...run.initFrom, checkpoint: init } };
}

/**
 * The bytes of a run's checkpoint at `step` (0: its latest), or null when it has none. Throws when
 * the bytes do not match the stored sha256: resuming from a corrupt file would silently break exact
 * resumption.
 */
async function loadCheckpoint(store: Store, runId: string, step: number): Promise<Uint8Array | null> {
  const meta = await store.checkpoints.getMeta(runId, step);
  if (meta === null) return null;
  const data = await store.checkpoints.getData(runId, meta.step);
  const actual = sha256Hex(data);
  if (actual !== meta.sha256) {
    throw new Error(
      `the checkpoint of run ${runId} at step ${meta.step} is corrupt (sha256 ${actual}, expected ${meta.sha256})`,
    );
  }
  return data;
}
