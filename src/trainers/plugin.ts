/**
 * The types of the plugin API, for authors of trainer modules (package.json `exports["./plugin"]`,
 * imported as `gradnoise/plugin`). A module needs no runtime import from gradnoise: the service
 * hands it the API (see `PluginApi` and examples/plugin-trainer).
 */
export type { TrainerDeclaration } from './define.js';
export type { PluginApi, TrainerModule } from './plugin-api.js';
export type { ConfigSchema, FieldSchema, MetricDeclaration } from './schema/index.js';
export type {
  MetricValue,
  TrainerContext,
  TrainerDefinition,
  TrainerSession,
  TrainerState,
} from './types.js';
