export { analyzeTopology, DEFAULT_MAX_PARAMS, type TopologyAnalysis } from './analyze.js';
export {
  isObject,
  type Json,
  MAX_MODEL_JSON_CHARS,
  MAX_MODEL_JSON_DEPTH,
  MAX_MODEL_LAYERS,
  topologyError,
} from './parse.js';
export { ACTIVATIONS, type Shape } from './rules.js';
