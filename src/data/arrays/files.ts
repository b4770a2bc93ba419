import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { AppError } from '../../core/index.js';
import type { ByteSource } from './zip.js';

/**
 * File access for the array readers: whole reads, and a {@link ByteSource} over an open file for
 * header-only checks. A missing or unreadable file is FAILED_PRECONDITION naming it (as the IDX
 * reader reports it): the request may be right and the server's disk wrong.
 */

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

export function unreadable(path: string, cause: unknown): AppError {
  const code = errorCode(cause);
  const reason = code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(cause)})`;
  return new AppError('FAILED_PRECONDITION', `${path}: ${reason}`, { cause });
}

/** The whole file. */
export function readWholeSync(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw unreadable(path, error);
  }
}

/** Runs `fn` with the file open as a {@link ByteSource}; closes it after. */
export function withFileSource<T>(path: string, fn: (source: ByteSource) => T): T {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    const size = fstatSync(fd).size;
    return fn({
      size,
      read(offset, length) {
        const n = Math.max(0, Math.min(length, size - offset));
        const out = new Uint8Array(n);
        let done = 0;
        while (done < n) {
          const got = readSync(fd, out, done, n - done, offset + done);
          if (got === 0) break;
          done += got;
        }
        return out.subarray(0, done);
      },
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unreadable(path, error);
  } finally {
    closeSync(fd);
  }
}

/** The first `length` bytes of a file (fewer if it is shorter). */
export function readPrefixSync(path: string, length: number): Uint8Array {
  return withFileSource(path, (source) => source.read(0, length));
}
