export { type EmbeddedPostgres, type EmbeddedPostgresOptions, startEmbeddedPostgres } from './embedded.js';
export { type MigrateOptions, type MigrateResult, migrate } from './migrate.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './runs.js';
export { createStore, type StoreOptions } from './store.js';
export { createSweepRepository } from './sweeps.js';
export type {
  ApiTokenRecord,
  CheckpointMeta,
  CheckpointRepository,
  ListenHandlers,
  MetricPageQuery,
  MetricRepository,
  MetricSummary,
  NewRun,
  NewSweep,
  NotificationListener,
  Notifications,
  Page,
  RunChanges,
  RunDeletion,
  RunFilter,
  RunRecord,
  RunRepository,
  StepValue,
  Store,
  SweepCurvePoint,
  SweepRecord,
  SweepRepository,
  SweepRunOutcome,
  TokenRepository,
} from './types.js';
