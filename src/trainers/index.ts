export { checkDefinition, defineTrainer, type TrainerDeclaration } from './define.js';
export { createRegistry, getTrainer, listTrainers } from './registry.js';
export * from './schema/index.js';
export type {
  MetricValue,
  TrainerContext,
  TrainerDefinition,
  TrainerSession,
  TrainerState,
} from './types.js';
export { PHASE_METRIC } from './types.js';
