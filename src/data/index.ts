export {
  ARRAY_FORMATS,
  type ArrayFormat,
  type ArraySet,
  type ArraySource,
  type ArraySplit,
  type ArraySummary,
  bufferSource,
  decodeNpy,
  firstSamples,
  loadArrays,
  parseCsv,
  readZipEntries,
  summarizeArrays,
} from './arrays/index.js';
export { IDX_FILES, type IdxSummary, loadIdxDir, preflightIdx, preflightIdxSync } from './idx.js';
export {
  loadMnistDigits,
  MNIST_DIGITS,
  MNIST_SPLIT_SEED,
  MNIST_TEST_SIZE,
  MNIST_TRAIN_SIZE,
} from './mnist.js';
export {
  ANY_DATA_DIR,
  allowsDataPath,
  checkDataPath,
  type DataRootPolicy,
  dataRootPolicy,
} from './roots.js';
export { type DataSplit, type LabeledSet, takeFirst } from './types.js';
