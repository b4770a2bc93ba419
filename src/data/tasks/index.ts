export {
  addBits,
  BINARY_INPUT_SYMBOLS,
  BINARY_OUTPUT_CLASSES,
  type BinaryBatch,
  BinarySymbol,
  type BinaryTask,
  binaryBatch,
  binaryInputWidth,
  binaryTargetWidth,
  formatBinaryInput,
  multiplyBits,
  type RandomWords,
} from './binary.js';
