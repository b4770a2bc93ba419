export { encodeCheckpointChunk, encodeCheckpointMeta } from './checkpoint.js';
export { createStreamMetricsSerializer } from './metrics-stream.js';
export { encodeRun, timestamp, timestampFromMs } from './run.js';
export { type DecodedStartRun, decodeStartRun, encodeSpec } from './start-run.js';
export { CONFIG_MESSAGE } from './trainer-configs.js';
