export { encodeCheckpointChunk, encodeCheckpointList, encodeCheckpointMeta } from './checkpoint.js';
export { createStreamMetricsSerializer } from './metrics-stream.js';
export { encodeRun, timestamp, timestampFromMs } from './run.js';
export { decodeUpdateRun, encodeRunDeletion, MAX_MASK_PATHS } from './run-edit.js';
export { type DecodedStartRun, decodeStartRun, encodeSpec } from './start-run.js';
export { decodeTrainerConfig, encodeTrainerConfig } from './trainer-configs.js';
export { encodeConfigFields, encodeTrainerInfo } from './trainer-info.js';
export { typedConfig } from './typed-configs.js';
