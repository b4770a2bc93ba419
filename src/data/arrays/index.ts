export { type CsvTable, parseCsv } from './csv.js';
export {
  ARRAY_FORMATS,
  type ArrayFormat,
  type ArraySet,
  type ArraySource,
  type ArraySplit,
  type ArraySummary,
  firstSamples,
  loadArrays,
  summarizeArrays,
} from './dataset.js';
export {
  decodeNpy,
  NPY_DTYPES,
  type NpyArray,
  type NpyDtype,
  type NpyHeader,
  parseNpyHeader,
} from './npy.js';
export { type ByteSource, bufferSource, extractZipEntry, readZipEntries, type ZipEntry } from './zip.js';
