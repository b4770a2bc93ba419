import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { constants, gunzip, gunzipSync } from 'node:zlib';
import { AppError } from '../core/index.js';
import {
  CLASSES,
  checkCounts,
  checkLength,
  errorCode,
  type IdxHeader,
  IMAGE_SIDE,
  invalid,
  isGzip,
  type Kind,
  parseHeader,
  unreadable,
} from './idx-format.js';
import { checkDataPath, type DataRootPolicy } from './roots.js';
import type { DataSplit, LabeledSet } from './types.js';

/**
 * Loader for the IDX format of LeCun's MNIST distribution (also used by Fashion-MNIST).
 *
 * The format and its checks are in `idx-format.ts`; this reads the files.
 *
 * Errors are `AppError`s whose message starts with the file's path:
 * - missing or unreadable file → FAILED_PRECONDITION;
 * - bad magic, corrupt gzip, size ≠ header dims (truncated or trailing bytes), images not 28×28,
 *   image/label count mismatch, label ≥ 10 → INVALID_ARGUMENT.
 */

/** The four files of a directory, without the optional `.gz` suffix. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Sample counts found by {@link preflightIdx}. */
export interface IdxSummary {
  readonly trainCount: number;
  readonly testCount: number;
}

const gunzipAsync = promisify(gunzip);

/** The path of `name` or `name.gz` in `dir` (plain first); FAILED_PRECONDITION if neither exists. */
function locate(dir: string, name: string): string {
  const plain = join(dir, name);
  for (const candidate of [plain, `${plain}.gz`]) {
    try {
      closeSync(openSync(candidate, 'r'));
      return candidate;
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw unreadable(candidate, error);
    }
  }
  throw new AppError('FAILED_PRECONDITION', `${plain}[.gz]: file not found`);
}

/**
 * Reads only the header of one file and its total (decompressed) length. For gzip the length is
 * the trailer's ISIZE field (the length modulo 2^32 of the last member), so nothing is inflated
 * beyond the header.
 */
function readHeaderSync(path: string, kind: Kind): IdxHeader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    const fileBytes = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(fileBytes, 64 * 1024));
    readSync(fd, head, 0, head.length, 0);
    if (!isGzip(head)) {
      const header = parseHeader(path, kind, head);
      checkLength(header, fileBytes, false);
      return header;
    }
    let inflated: Uint8Array;
    try {
      // SYNC_FLUSH inflates what the partial input allows instead of failing at its end.
      inflated = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (error) {
      throw invalid(path, 'not a valid gzip stream', error);
    }
    const header = parseHeader(path, kind, inflated);
    const trailer = new Uint8Array(4);
    if (fileBytes < 18) throw invalid(path, 'truncated gzip stream');
    readSync(fd, trailer, 0, 4, fileBytes - 4);
    const isize = new DataView(trailer.buffer).getUint32(0, true);
    if (isize !== header.expectedBytes % 0x1_0000_0000) {
      throw invalid(
        path,
        `truncated or corrupt: the header declares ${header.count} ${kind} (${header.expectedBytes} bytes) ` +
          `but the gzip trailer records ${isize} decompressed bytes`,
      );
    }
    return header;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unreadable(path, error);
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole file, inflating it if gzipped. */
async function readWhole(path: string): Promise<{ bytes: Uint8Array; compressed: boolean }> {
  let raw: Uint8Array;
  try {
    raw = await readFile(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (!isGzip(raw)) return { bytes: raw, compressed: false };
  try {
    return { bytes: await gunzipAsync(raw), compressed: true };
  } catch (error) {
    const truncated = errorCode(error) === 'Z_BUF_ERROR';
    throw invalid(path, truncated ? 'truncated gzip stream' : 'not a valid gzip stream', error);
  }
}

/**
 * Checks the four files of `dir` from their headers alone: present, readable, right magic,
 * 28×28 images, sizes consistent with the headers and equal image/label counts. Synchronous and
 * cheap (a few kilobytes read per file), so it can back `preflight` and `stepsPerEpoch`.
 */
export function preflightIdxSync(dir: string, roots: DataRootPolicy, field = 'dir'): IdxSummary {
  checkDataPath(roots, field, dir);
  const header = (name: string, kind: Kind) => readHeaderSync(locate(dir, name), kind);
  const trainImages = header(IDX_FILES.trainImages, 'images');
  const trainLabels = header(IDX_FILES.trainLabels, 'labels');
  const testImages = header(IDX_FILES.testImages, 'images');
  const testLabels = header(IDX_FILES.testLabels, 'labels');
  checkCounts(trainImages, trainLabels);
  checkCounts(testImages, testLabels);
  return { trainCount: trainImages.count, testCount: testImages.count };
}

/** {@link preflightIdxSync} as a promise, for `TrainerDefinition.preflight`. */
export async function preflightIdx(dir: string, roots: DataRootPolicy, field = 'dir'): Promise<IdxSummary> {
  return preflightIdxSync(dir, roots, field);
}

async function readPair(dir: string, imagesName: string, labelsName: string): Promise<LabeledSet> {
  const imagesPath = locate(dir, imagesName);
  const labelsPath = locate(dir, labelsName);
  const [imageFile, labelFile] = await Promise.all([readWhole(imagesPath), readWhole(labelsPath)]);
  const imageBytes = imageFile.bytes;
  const labelBytes = labelFile.bytes;
  const images = parseHeader(imagesPath, 'images', imageBytes);
  checkLength(images, imageBytes.length, imageFile.compressed);
  const labels = parseHeader(labelsPath, 'labels', labelBytes);
  checkLength(labels, labelBytes.length, labelFile.compressed);
  checkCounts(images, labels);

  const labelData = labelBytes.subarray(labels.headerBytes);
  const bad = labelData.findIndex((label) => label >= CLASSES);
  if (bad >= 0)
    throw invalid(labelsPath, `label ${labelData[bad]} at index ${bad}; allowed: 0..${CLASSES - 1}`);

  const pixels = imageBytes.subarray(images.headerBytes);
  const scaled = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i += 1) scaled[i] = (pixels[i] as number) / 255;
  return {
    inputs: scaled,
    labels: Uint8Array.from(labelData),
    count: images.count,
    features: IMAGE_SIDE ** 2,
  };
}

/**
 * Loads the train (`train-*`) and test (`t10k-*`) splits of an IDX directory, pixels scaled from
 * bytes to [0, 1]. The split is the one the files define; nothing is shuffled here.
 */
export async function loadIdxDir(dir: string, roots: DataRootPolicy, field = 'dir'): Promise<DataSplit> {
  // Before any file is opened: every reader of a directory checks the server's data roots.
  checkDataPath(roots, field, dir);
  const train = await readPair(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels);
  const test = await readPair(dir, IDX_FILES.testImages, IDX_FILES.testLabels);
  return { train, test, classes: CLASSES };
}
