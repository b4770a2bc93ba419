import { join } from 'node:path';
import { AppError } from '../../core/index.js';
import { readPrefixSync, readWholeSync, withFileSource } from './files.js';
import { decodeNpy, type NpyArray, npyHeaderBytes, parseNpyHeader } from './npy.js';
import { type ByteSource, extractZipEntry, peekZipEntry, readZipEntries, type ZipEntry } from './zip.js';

/**
 * The four arrays of a NumPy data set, as Keras users hold them: `x_train`, `y_train`, `x_test`,
 * `y_test`, either as four `.npy` files in a directory or as the members of one `.npz` archive
 * (`np.savez(path, x_train=…, …)` or `np.savez_compressed`). Header reads ({@link numpyShapes})
 * read a few kilobytes per array; {@link loadNumpy} decodes everything to float32.
 */

export const NUMPY_ARRAYS = ['x_train', 'y_train', 'x_test', 'y_test'] as const;
export type NumpyArrayName = (typeof NUMPY_ARRAYS)[number];

/** Enough for any header NumPy writes for arrays of up to a few dozen dimensions. */
const HEADER_PEEK = 64 * 1024;

/** The full shape of each array, from headers alone. */
export function numpyShapes(
  format: 'npy' | 'npz',
  path: string,
): Readonly<Record<NumpyArrayName, readonly number[]>> {
  if (format === 'npy') {
    return byName((name) => {
      const file = join(path, `${name}.npy`);
      const prefix = readPrefixSync(file, HEADER_PEEK);
      const needed = npyHeaderBytes(file, prefix);
      return parseNpyHeader(file, needed <= prefix.length ? prefix : readPrefixSync(file, needed)).shape;
    });
  }
  return withFileSource(path, (source) => {
    const members = npzMembers(path, source);
    return byName((name) => {
      const entry = members[name];
      const where = `${path}[${entry.name}]`;
      const prefix = peekZipEntry(path, source, entry, HEADER_PEEK);
      npyHeaderBytes(where, prefix);
      return parseNpyHeader(where, prefix).shape;
    });
  });
}

/** Every array, decoded to float32. */
export function loadNumpy(format: 'npy' | 'npz', path: string): Readonly<Record<NumpyArrayName, NpyArray>> {
  if (format === 'npy') {
    return byName((name) => {
      const file = join(path, `${name}.npy`);
      return decodeNpy(file, readWholeSync(file));
    });
  }
  return withFileSource(path, (source) => {
    const members = npzMembers(path, source);
    return byName((name) => {
      const entry = members[name];
      return decodeNpy(`${path}[${entry.name}]`, extractZipEntry(path, source, entry));
    });
  });
}

function byName<T>(read: (name: NumpyArrayName) => T): Record<NumpyArrayName, T> {
  return {
    x_train: read('x_train'),
    y_train: read('y_train'),
    x_test: read('x_test'),
    y_test: read('y_test'),
  };
}

/** The archive's members for the four arrays (`x_train.npy`, …); INVALID_ARGUMENT naming a missing one. */
function npzMembers(path: string, source: ByteSource): Record<NumpyArrayName, ZipEntry> {
  const entries = readZipEntries(path, source);
  const byFile = new Map(entries.map((e) => [e.name, e]));
  return byName((name) => {
    const entry = byFile.get(`${name}.npy`);
    if (entry === undefined) {
      const found = entries.map((e) => e.name.replace(/\.npy$/, '')).join(', ') || 'none';
      throw new AppError(
        'INVALID_ARGUMENT',
        `${path}: no array ${name}; an .npz data set holds x_train, y_train, x_test and y_test (found: ${found})`,
      );
    }
    return entry;
  });
}
