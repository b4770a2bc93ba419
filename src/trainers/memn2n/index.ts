export { MEMN2N_SCHEMA, type MemN2NConfig, refineMemN2NConfig } from './config.js';
export { memn2nTrainer } from './definition.js';
export { type EncodedTask, encodeTask, memoryBatch } from './encode.js';
export { MemN2NModel, positionEncoding } from './model.js';
export { MEMN2N_PHASES, MemN2NSession } from './session.js';
