import { AppError } from '../core/index.js';

/**
 * A codec for the safetensors format (huggingface/safetensors), so a checkpoint can be read from any
 * language. Pure: no tfjs, no I/O. The layout is
 *
 *     [8 bytes]  N, the header length, unsigned 64-bit little-endian
 *     [N bytes]  a UTF-8 JSON object: { "<name>": {dtype, shape, data_offsets: [begin, end]}, …,
 *                "__metadata__": { "<key>": "<string value>" } }, right-padded with spaces
 *     [rest]     the tensor bytes, little-endian, row-major; offsets are relative to this section
 *
 * {@link decodeSafetensors} is strict, like the reference implementation: the offsets must tile the
 * data section exactly (no overlap, no hole, nothing out of range), every byte length must match
 * dtype × shape, and unknown dtypes or fields are rejected. Every failure is an `AppError`
 * (`INVALID_ARGUMENT`) whose message starts with `safetensors:` and names the offending tensor.
 */

/** The dtypes of the format and their sizes in bytes. */
export const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
  U16: 2,
  I16: 2,
  F16: 2,
  BF16: 2,
  U32: 4,
  I32: 4,
  F32: 4,
  U64: 8,
  I64: 8,
  F64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_SIZES;

/** One tensor: its raw little-endian bytes plus how to read them. */
export interface SafetensorsTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** `product(shape) × size(dtype)` bytes. Decoded tensors are views into the input (no copy). */
  readonly data: Uint8Array;
}

/** What the header records about one tensor (the tensor index stored beside a checkpoint). */
export interface SafetensorsEntry {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data_offsets: readonly [number, number];
}

export interface SafetensorsFile {
  /** In header order, which {@link encodeSafetensors} makes the order it was given. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The reference implementation's cap on the header, which keeps a hostile length from allocating. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

function fail(message: string): AppError {
  return new AppError('INVALID_ARGUMENT', `safetensors: ${message}`);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_SIZES, value);
}

function checkShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`tensor ${JSON.stringify(name)}: shape must be an array of integers >= 0`);
  }
  return shape as number[];
}

/**
 * Serialises tensors (in the order given) and string metadata. The header is padded with spaces to a
 * multiple of 8 bytes so the data section starts 8-byte aligned, as the reference writer does.
 */
export function encodeSafetensors(
  tensors: ReadonlyArray<{ readonly name: string; readonly tensor: SafetensorsTensor }>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };
  let offset = 0;
  for (const { name, tensor } of tensors) {
    if (name === '' || name === METADATA_KEY || Object.hasOwn(header, name)) {
      throw fail(`tensor name ${JSON.stringify(name)} is empty, reserved or repeated`);
    }
    if (!isDtype(tensor.dtype)) throw fail(`tensor ${JSON.stringify(name)}: unknown dtype ${tensor.dtype}`);
    const shape = checkShape(name, tensor.shape);
    const expected = elementCount(shape) * DTYPE_SIZES[tensor.dtype];
    if (tensor.data.byteLength !== expected) {
      throw fail(
        `tensor ${JSON.stringify(name)}: ${tensor.data.byteLength} bytes for ${tensor.dtype}[${shape}]`,
      );
    }
    header[name] = { dtype: tensor.dtype, shape, data_offsets: [offset, offset + expected] };
    offset += expected;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength);
  let at = 8 + headerLength;
  for (const { tensor } of tensors) {
    out.set(tensor.data, at);
    at += tensor.data.byteLength;
  }
  return out;
}

/** Reads and validates the header only: the tensor index, the metadata and where the data starts. */
export function readSafetensorsHeader(bytes: Uint8Array): {
  entries: ReadonlyMap<string, SafetensorsEntry>;
  metadata: Readonly<Record<string, string>>;
  dataStart: number;
} {
  if (bytes.byteLength < 8)
    throw fail(`file of ${bytes.byteLength} bytes is shorter than the 8-byte header length`);
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(bytes.byteLength - 8) || declared > BigInt(MAX_HEADER_BYTES)) {
    throw fail(
      `header length ${declared} exceeds the file (${bytes.byteLength - 8} bytes after it) or the cap`,
    );
  }
  const headerLength = Number(declared);
  let parsed: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
    if (!text.startsWith('{')) throw new Error('the header does not start with "{"');
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `safetensors: header is not a UTF-8 JSON object (${String(cause)})`,
      {
        cause,
      },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw fail('header is not a JSON object');
  }
  const metadata: Record<string, string> = {};
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, raw] of Object.entries(parsed)) {
    if (name === METADATA_KEY) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw fail('__metadata__ is not an object');
      for (const [key, value] of Object.entries(raw)) {
        if (typeof value !== 'string') throw fail(`__metadata__.${key} is not a string`);
        metadata[key] = value;
      }
      continue;
    }
    entries.set(name, parseEntry(name, raw));
  }
  checkTiling(entries, bytes.byteLength - 8 - headerLength);
  return { entries, metadata, dataStart: 8 + headerLength };
}

function parseEntry(name: string, raw: unknown): SafetensorsEntry {
  const label = `tensor ${JSON.stringify(name)}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(`${label} is not an object`);
  const extra = Object.keys(raw).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
  if (extra.length > 0) throw fail(`${label}: unknown field ${extra[0]}`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isDtype(dtype)) throw fail(`${label}: unknown dtype ${JSON.stringify(dtype)}`);
  const dims = checkShape(name, shape);
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw fail(`${label}: data_offsets must be [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = elementCount(dims) * DTYPE_SIZES[dtype];
  if (end - begin !== expected) {
    throw fail(
      `${label}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes; ${dtype}[${dims}] needs ${expected}`,
    );
  }
  return { dtype, shape: dims, data_offsets: [begin, end] };
}

/** The offsets, sorted, must cover [0, dataLength) exactly: this rejects overlap, holes and overrun. */
function checkTiling(entries: ReadonlyMap<string, SafetensorsEntry>, dataLength: number): void {
  const sorted = [...entries].sort(([, a], [, b]) => a.data_offsets[0] - b.data_offsets[0]);
  let expected = 0;
  for (const [
    name,
    {
      data_offsets: [begin, end],
    },
  ] of sorted) {
    if (begin < expected) throw fail(`tensor ${JSON.stringify(name)}: data_offsets overlap at byte ${begin}`);
    if (begin > expected) throw fail(`tensor ${JSON.stringify(name)}: hole in the data before byte ${begin}`);
    if (end > dataLength)
      throw fail(`tensor ${JSON.stringify(name)}: data_offsets end ${end} > data size ${dataLength}`);
    expected = end;
  }
  if (expected !== dataLength)
    throw fail(`${dataLength - expected} bytes after the last tensor are not indexed`);
}

/** Parses and validates a whole file. Tensor data are views into `bytes`, not copies. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  const { entries, metadata, dataStart } = readSafetensorsHeader(bytes);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [
    name,
    {
      dtype,
      shape,
      data_offsets: [begin, end],
    },
  ] of entries) {
    tensors.set(name, { dtype, shape, data: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  return { tensors, metadata };
}
