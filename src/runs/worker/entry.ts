import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../../backend/index.js';
import { dataRootPolicy } from '../../data/index.js';
import { builtinTrainers, loadTrainerRegistry } from '../../trainers/index.js';
import { runJob } from './loop.js';
import { lowerThreadPriority } from './priority.js';
import type { FromWorker, ToWorker, WorkerBoot } from './protocol.js';

/**
 * Entry point of a training worker thread (see `protocol.ts` for the conversation). It selects its
 * own tfjs backend (tfjs state is per thread), then trains the jobs it is sent, one at a time.
 */
const port = parentPort;
if (port === null) throw new Error('src/runs/worker/entry is a worker_threads entry point');
const boot = workerData as WorkerBoot;
const post = (message: FromWorker, transfer: readonly ArrayBuffer[] = []): void => {
  port.postMessage(message, [...transfer]);
};

try {
  // Before the backend starts any threads of its own, so they inherit the value.
  const priority = lowerThreadPriority(boot.nice);
  const selection = await selectBackend(boot.backend);
  // The thread's own registry: the main thread's loaded modules are not shared across threads.
  const trainers =
    boot.trainerModules === undefined ? builtinTrainers : await loadTrainerRegistry(boot.trainerModules);
  const settings = {
    backend: selection.name,
    flushIntervalMs: boot.flushIntervalMs,
    flushPoints: boot.flushPoints,
    // Rebuilt here: normalised and frozen again, whatever the structured clone delivered.
    dataRoots: dataRootPolicy(boot.dataRoots.roots, boot.dataRoots.source),
    trainers,
  };
  let busy: Promise<unknown> = Promise.resolve();
  port.on('message', (message: ToWorker) => {
    if (message.type === 'start') busy = busy.then(() => runJob(message.job, settings, post));
  });
  post({ type: 'ready', backend: selection.name, rejected: selection.rejected, priority });
} catch (error) {
  post({ type: 'boot-failed', error: error instanceof Error ? error.message : String(error) });
}
