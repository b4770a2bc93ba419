export { getTrainer, listTrainers } from './registry.js';
export type {
  MetricValue,
  TrainerContext,
  TrainerDefinition,
  TrainerSession,
  TrainerState,
} from './types.js';
