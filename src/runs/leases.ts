import { sha256Hex } from '../checkpoint/index.js';
import type { Store } from '../store/types.js';
import type { RunExecution, RunLogger } from './execution.js';
import { Control } from './worker/protocol.js';

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
 * The bytes of the run's latest checkpoint, or null when it has none. Throws when the bytes do not
 * match the stored sha256: resuming from a corrupt file would silently break exact resumption.
 */
export async function loadLatestCheckpoint(store: Store, runId: string): Promise<Uint8Array | null> {
  const meta = await store.checkpoints.getMeta(runId, 0);
  if (meta === null) return null;
  const data = await store.checkpoints.getData(runId, meta.step);
  const actual = sha256Hex(data);
  if (actual !== meta.sha256) {
    throw new Error(
      `the checkpoint at step ${meta.step} is corrupt (sha256 ${actual}, expected ${meta.sha256})`,
    );
  }
  return data;
}
