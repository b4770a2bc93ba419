import { AppError } from '../core/index.js';

/**
 * The IDX format of LeCun's MNIST distribution (also used by Fashion-MNIST), and the checks every
 * reader of it applies (`idx.ts`).
 *
 * A file is a big-endian header followed by unsigned bytes: the magic `0x00000803` then three
 * dimensions (count, rows, cols) for images, the magic `0x00000801` then one dimension (count)
 * for labels. A file may be gzipped; it is detected by the gzip magic `1f 8b`, not by the name.
 */

const IMAGES_MAGIC = 0x0000_0803;
const LABELS_MAGIC = 0x0000_0801;
export const IMAGE_SIDE = 28;
export const CLASSES = 10;

/** Which of the two IDX file types a file is. */
export type Kind = 'images' | 'labels';

/** A checked header, and what it implies about the file. */
export interface IdxHeader {
  readonly path: string;
  readonly kind: Kind;
  readonly count: number;
  /** Bytes of header plus data that the dimensions imply. */
  readonly expectedBytes: number;
  readonly headerBytes: number;
}

function headerSize(kind: Kind): number {
  return kind === 'images' ? 16 : 8;
}

/** Whether `bytes` start with the gzip magic. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The Node error code (`ENOENT`, `Z_BUF_ERROR`, ...) of `error`, if any. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** FAILED_PRECONDITION: the file at `path` is missing or cannot be read. */
export function unreadable(path: string, cause: unknown): AppError {
  const reason = errorCode(cause) ?? (cause instanceof Error ? cause.message : String(cause));
  return new AppError('FAILED_PRECONDITION', `${path}: cannot read (${reason})`, { cause });
}

/** INVALID_ARGUMENT: the file at `path` is not valid IDX, saying how. */
export function invalid(path: string, problem: string, cause?: unknown): AppError {
  return new AppError('INVALID_ARGUMENT', `${path}: ${problem}`, cause === undefined ? undefined : { cause });
}

/** Parses and checks the header at the start of the decompressed `bytes`. */
export function parseHeader(path: string, kind: Kind, bytes: Uint8Array): IdxHeader {
  const size = headerSize(kind);
  if (bytes.length < size)
    throw invalid(path, `truncated: ${bytes.length} bytes, shorter than the IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  const magic = view.getUint32(0);
  const expectedMagic = kind === 'images' ? IMAGES_MAGIC : LABELS_MAGIC;
  if (magic !== expectedMagic) {
    throw invalid(path, `bad magic 0x${hex(magic)}; expected 0x${hex(expectedMagic)} (IDX ${kind})`);
  }
  const count = view.getUint32(4);
  if (kind === 'labels') return { path, kind, count, expectedBytes: size + count, headerBytes: size };
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw invalid(path, `images are ${rows}×${cols}; allowed: 28×28 (784 features)`);
  }
  return { path, kind, count, expectedBytes: size + count * rows * cols, headerBytes: size };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** The (decompressed) length `actual` must be what the header's dimensions imply. */
export function checkLength(header: IdxHeader, actual: number, compressed: boolean): void {
  if (actual === header.expectedBytes) return;
  const problem = actual < header.expectedBytes ? 'truncated' : 'trailing bytes';
  throw invalid(
    header.path,
    `${problem}: the header declares ${header.count} ${header.kind} (${header.expectedBytes} bytes) ` +
      `but the file holds ${actual} bytes${compressed ? ' once decompressed' : ''}`,
  );
}

/** An images file and its labels file must hold as many samples. */
export function checkCounts(images: IdxHeader, labels: IdxHeader): void {
  if (images.count !== labels.count) {
    throw invalid(
      images.path,
      `holds ${images.count} images but ${labels.path} holds ${labels.count} labels; they must match`,
    );
  }
}
