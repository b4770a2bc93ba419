export { MLP_DEFAULTS, MLP_LIMITS, type MlpConfig, refineMlpConfig } from './config.js';
export { mlpTrainer } from './definition.js';
