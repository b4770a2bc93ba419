export { SMOKE_DEFAULTS, type SmokeConfig } from './config.js';
export { smokeTrainer } from './definition.js';
