export { checkpointName } from './build.js';
export { DEFAULT_MODEL, LAYERS_LOSSES, type LayersConfig, type LayersLoss } from './config.js';
export { createLayersTrainer, type LayersTrainerOptions, layersTrainer } from './definition.js';
export { analyzeTopology, DEFAULT_MAX_PARAMS, type TopologyAnalysis } from './topology/index.js';
