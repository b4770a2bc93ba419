import { parentPort, workerData } from 'node:worker_threads';
import { type DeviceLostInfo, selectBackend } from '../../backend/index.js';
import { dataRootPolicy } from '../../data/index.js';
import { builtinTrainers, loadTrainerRegistry } from '../../trainers/index.js';
import { describeDeviceLost } from './device-lost.js';
import { runJob } from './loop.js';
import { lowerThreadPriority } from './priority.js';
import type { FromWorker, ToWorker, WorkerBoot } from './protocol.js';

/**
 * Entry point of a training worker thread (see `protocol.ts` for the conversation). It selects its
 * own tfjs backend (tfjs state is per thread) and checks it is the one the replica expects, then
 * trains the jobs it is sent, one at a time.
 *
 * On `webgpu` the thread watches its device: once it is lost, the job in progress fails at its next
 * step with the reason (outcome RETRY: back to the queue, resumed from its checkpoint), and the
 * thread posts `retiring` so the pool replaces it with one that starts a new device.
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
  const selection = await selectBackend(
    boot.backend,
    boot.nativeAddon === undefined ? {} : { nativeAddon: boot.nativeAddon },
  );
  const { expect } = boot;
  if (expect !== undefined && (selection.name !== expect.name || selection.device !== expect.device)) {
    throw new Error(
      `this thread got backend ${selection.name} on ${selection.device}, but the replica runs on ` +
        `${expect.name} on ${expect.device} (rejected here: ${JSON.stringify(selection.rejected)})`,
    );
  }
  // The thread's own registry: the main thread's loaded modules are not shared across threads.
  const trainers =
    boot.trainerModules === undefined ? builtinTrainers : await loadTrainerRegistry(boot.trainerModules);
  let lost: DeviceLostInfo | null = null;
  const settings = {
    backend: selection.name,
    device: selection.device,
    flushIntervalMs: boot.flushIntervalMs,
    flushPoints: boot.flushPoints,
    // Rebuilt here: normalised and frozen again, whatever the structured clone delivered.
    dataRoots: dataRootPolicy(boot.dataRoots.roots, boot.dataRoots.source),
    trainers,
    // Only where there is a device to lose.
    ...(selection.deviceLost === null ? {} : { deviceLost: () => lost }),
  };
  let busy: Promise<unknown> = Promise.resolve();
  // The pool sends no new job and replaces the thread once the job in progress has finished.
  void selection.deviceLost?.then((info) => {
    lost = info;
    post({ type: 'retiring', reason: describeDeviceLost(info) });
  });
  port.on('message', (message: ToWorker) => {
    if (message.type === 'start') busy = busy.then(() => runJob(message.job, settings, post));
  });
  post({
    type: 'ready',
    backend: selection.name,
    device: selection.device,
    software: selection.software,
    ...(selection.adapter === undefined ? {} : { adapter: selection.adapter }),
    rejected: selection.rejected,
    notes: selection.notes,
    priority,
  });
} catch (error) {
  post({ type: 'boot-failed', error: error instanceof Error ? error.message : String(error) });
}
