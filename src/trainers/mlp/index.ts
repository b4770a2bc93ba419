export { MLP_DEFAULTS, MLP_LIMITS, type MlpConfig } from './config.js';
export { mlpTrainer } from './definition.js';
