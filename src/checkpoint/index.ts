export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointContents,
  type CheckpointDtype,
  type CheckpointTensor,
  checkpointIndex,
  decodeCheckpoint,
  type EncodedCheckpoint,
  encodeCheckpoint,
  MODEL_PREFIX,
  type NoiseState,
  OPTIMIZER_PREFIX,
  sha256Hex,
} from './layout.js';
export {
  DTYPE_SIZES,
  decodeSafetensors,
  encodeSafetensors,
  MAX_HEADER_BYTES,
  readSafetensorsHeader,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsFile,
  type SafetensorsTensor,
} from './safetensors.js';
export { fromLittleEndianBytes, type NumericArray, toLittleEndianBytes } from './typed-arrays.js';
