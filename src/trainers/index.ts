export type { DenseStackKernels } from '../core/index.js';
export { checkDefinition, defineTrainer, type TrainerDeclaration } from './define.js';
export { DEFAULT_MAX_PARAMS } from './layers/index.js';
export { loadTrainerRegistry, type TrainerModules } from './load-plugins.js';
export type { PluginApi, TrainerModule } from './plugin-api.js';
export {
  BUILTIN_TRAINERS,
  type BuiltinTrainerOptions,
  builtinTrainerList,
  builtinTrainers,
  createRegistry,
  type TrainerRegistry,
} from './registry.js';
export * from './schema/index.js';
export type {
  MetricValue,
  RunDefaults,
  TrainerContext,
  TrainerDefinition,
  TrainerSession,
  TrainerState,
} from './types.js';
export { PHASE_METRIC } from './types.js';
