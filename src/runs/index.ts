/**
 * Run execution: the scheduler the server calls, the run use cases (StartRun, UpdateRun,
 * DeleteRun, the checkpoint download), the run contract types, and the checkpoint and backend
 * helpers other modules and clients need. Nothing here imports `src/server`.
 */
export {
  type BackendPreference,
  type BackendSelection,
  releaseBackend,
  selectBackend,
} from '../backend/index.js';
export {
  type CheckpointContents,
  decodeCheckpoint,
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsFile,
  type SafetensorsTensor,
} from '../checkpoint/index.js';
export { ANY_DATA_DIR, type DataRootPolicy, dataRootPolicy } from '../data/index.js';
export { type CancelDeps, cancelRun, cancelSweep } from './cancel.js';
export {
  CHECKPOINT_CHUNK_BYTES,
  type CheckpointChunk,
  type CheckpointDownload,
  type CheckpointDownloadDeps,
  type CheckpointDownloadInput,
  openCheckpointDownload,
} from './checkpoint-download.js';
export { compileRunSpec, type RunRequest } from './compile-spec.js';
export { deleteRun, deletionRefusal, type RunDeleteDeps } from './delete-run.js';
export type { RunLogger } from './execution-deps.js';
export {
  type LiveEvent,
  LiveHub,
  type LiveHubOptions,
  LiveSubscription,
  type SubscribeOptions,
} from './hub.js';
export {
  type CheckpointListDeps,
  type CheckpointListInput,
  listCheckpoints,
} from './list-checkpoints.js';
export {
  type CompiledRunSchedulerOptions,
  compileRunSchedulerOptions,
  type RunSchedulerOptions,
} from './options.js';
export { preflightRuns } from './preflight.js';
export type { InitFromRequest } from './resolve-init-from.js';
export {
  type DeclaredSummaryDeps,
  type RunMetricsDeps,
  type RunMetricsInput,
  type RunMetricsPage,
  type RunWithSummaries,
  readRunMetrics,
  withDeclaredSummaries,
} from './run-metrics.js';
export { RunScheduler, type RunSchedulerDeps } from './scheduler.js';
export { type StartRunDeps, type StartRunInput, startRun } from './start-run.js';
export {
  editLabels,
  type LabelEdit,
  type LabelKeyEdit,
  type RunUpdateDeps,
  type RunUpdateInput,
  updateRun,
} from './update-run.js';
export type { WatchEvent, WatchOptions } from './watch.js';
