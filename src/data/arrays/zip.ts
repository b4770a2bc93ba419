import { constants, crc32, inflateRawSync } from 'node:zlib';
import { AppError } from '../../core/index.js';

/**
 * A minimal reader of ZIP archives, enough for NumPy's `.npz` (`np.savez` stores its members,
 * `np.savez_compressed` deflates them, and both may write ZIP64 records). No zip package is among
 * the project's dependencies, and node:zlib inflates raw deflate streams, so the container is read
 * here: the end-of-central-directory record (and its ZIP64 locator), the central directory, then
 * each member's local header for where its data starts.
 *
 * Supported: methods 0 (stored) and 8 (deflate); ZIP64 sizes and offsets. Refused, with an
 * INVALID_ARGUMENT naming the archive: encryption, other methods, multi-disk archives, a CRC-32
 * mismatch. Reads go through a {@link ByteSource}, so a preflight can look at headers without
 * reading a whole file.
 */

/** Random access to an archive's bytes: a buffer in memory or an open file. */
export interface ByteSource {
  readonly size: number;
  /** `length` bytes from `offset` (fewer only at the end of the source). */
  read(offset: number, length: number): Uint8Array;
}

/** A buffer as a {@link ByteSource}. */
export function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** One member of an archive. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc: number;
  /** Offset of the member's local header. */
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

function invalid(path: string, problem: string, cause?: unknown): AppError {
  return new AppError('INVALID_ARGUMENT', `${path}: ${problem}`, cause === undefined ? undefined : { cause });
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(v: DataView, at: number): number {
  return Number(v.getBigUint64(at, true));
}

/** The members of the archive, from its central directory. */
export function readZipEntries(path: string, source: ByteSource): ZipEntry[] {
  const tailLength = Math.min(source.size, 22 + MAX_COMMENT);
  const tailStart = source.size - tailLength;
  const tail = source.read(tailStart, tailLength);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i -= 1) {
    if (view(tail).getUint32(i, true) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw invalid(path, 'not a zip archive (no end of central directory record)');
  const end = view(tail.subarray(at, at + 22));
  if (end.getUint16(4, true) !== 0 || end.getUint16(6, true) !== 0) {
    throw invalid(path, 'multi-disk zip archives are not supported');
  }
  let count = end.getUint16(10, true);
  let dirSize = end.getUint32(12, true);
  let dirOffset = end.getUint32(16, true);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    ({ count, dirSize, dirOffset } = readZip64End(path, source, tailStart + at));
  }
  if (dirOffset + dirSize > source.size)
    throw invalid(path, 'truncated: the central directory runs past the end');
  const dir = source.read(dirOffset, dirSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let n = 0; n < count; n += 1) {
    if (p + 46 > dir.length || view(dir).getUint32(p, true) !== CENTRAL) {
      throw invalid(path, `corrupt central directory at member ${n}`);
    }
    const d = view(dir.subarray(p));
    const flags = d.getUint16(8, true);
    const nameLength = d.getUint16(28, true);
    const extraLength = d.getUint16(30, true);
    const commentLength = d.getUint16(32, true);
    const name = new TextDecoder().decode(dir.subarray(p + 46, p + 46 + nameLength));
    if ((flags & 1) !== 0) throw invalid(path, `member ${name} is encrypted`);
    const sizes = {
      compressedSize: d.getUint32(20, true),
      size: d.getUint32(24, true),
      localOffset: d.getUint32(42, true),
    };
    const extra = dir.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
    entries.push({
      name,
      method: d.getUint16(10, true),
      crc: d.getUint32(16, true),
      ...applyZip64Extra(extra, sizes),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function readZip64End(path: string, source: ByteSource, eocdOffset: number) {
  const locator = source.read(eocdOffset - 20, 20);
  if (locator.length < 20 || view(locator).getUint32(0, true) !== ZIP64_LOCATOR) {
    throw invalid(path, 'ZIP64 archive without its end of central directory locator');
  }
  const record = source.read(u64(view(locator), 8), 56);
  const r = view(record);
  if (record.length < 56 || r.getUint32(0, true) !== ZIP64_EOCD) {
    throw invalid(path, 'corrupt ZIP64 end of central directory record');
  }
  return { count: u64(r, 32), dirSize: u64(r, 40), dirOffset: u64(r, 48) };
}

/** The ZIP64 extra field (id 1) replaces, in order, each 32-bit field that is all ones. */
function applyZip64Extra(
  extra: Uint8Array,
  sizes: { size: number; compressedSize: number; localOffset: number },
): { size: number; compressedSize: number; localOffset: number } {
  const out = { ...sizes };
  const e = view(extra);
  for (let p = 0; p + 4 <= extra.length; ) {
    const id = e.getUint16(p, true);
    const length = e.getUint16(p + 2, true);
    if (id === 1) {
      let q = p + 4;
      for (const key of ['size', 'compressedSize', 'localOffset'] as const) {
        if (out[key] === 0xffffffff && q + 8 <= p + 4 + length) {
          out[key] = u64(e, q);
          q += 8;
        }
      }
    }
    p += 4 + length;
  }
  return out;
}

/** Offset of the member's data: after its local header, whose name and extra lengths may differ from the central ones. */
function dataStart(path: string, source: ByteSource, entry: ZipEntry): number {
  const local = source.read(entry.localOffset, 30);
  if (local.length < 30 || view(local).getUint32(0, true) !== LOCAL) {
    throw invalid(path, `member ${entry.name}: corrupt local header`);
  }
  return entry.localOffset + 30 + view(local).getUint16(26, true) + view(local).getUint16(28, true);
}

function checkMethod(path: string, entry: ZipEntry): void {
  if (entry.method !== 0 && entry.method !== 8) {
    throw invalid(
      path,
      `member ${entry.name}: compression method ${entry.method}; allowed: stored (0), deflate (8)`,
    );
  }
}

/** The whole member, inflated if need be and checked against its CRC-32. */
export function extractZipEntry(path: string, source: ByteSource, entry: ZipEntry): Uint8Array {
  checkMethod(path, entry);
  const start = dataStart(path, source, entry);
  if (start + entry.compressedSize > source.size) throw invalid(path, `member ${entry.name}: truncated`);
  const raw = source.read(start, entry.compressedSize);
  let data: Uint8Array;
  try {
    data = entry.method === 0 ? raw : inflateRawSync(raw);
  } catch (error) {
    throw invalid(path, `member ${entry.name}: not a valid deflate stream`, error);
  }
  if (data.length !== entry.size || crc32(data) !== entry.crc) {
    throw invalid(path, `member ${entry.name}: size or CRC-32 does not match the central directory`);
  }
  return data;
}

/**
 * The first bytes of a member (at most `length`, fewer if it is shorter), reading and inflating
 * only what they need: for headers, without reading the whole member.
 */
export function peekZipEntry(path: string, source: ByteSource, entry: ZipEntry, length: number): Uint8Array {
  checkMethod(path, entry);
  const start = dataStart(path, source, entry);
  if (entry.method === 0) return source.read(start, Math.min(length, entry.compressedSize));
  // Deflate's worst case is stored blocks, a few framing bytes per block: `length` compressed
  // bytes and a margin inflate to at least `length` bytes.
  const raw = source.read(start, Math.min(entry.compressedSize, length + 1024));
  try {
    const data = inflateRawSync(raw, { finishFlush: constants.Z_SYNC_FLUSH });
    return data.subarray(0, length);
  } catch (error) {
    throw invalid(path, `member ${entry.name}: not a valid deflate stream`, error);
  }
}
