import { AppError } from '../../core/index.js';

/**
 * Reader of NumPy's `.npy` format (numpy/lib/format.py, versions 1.0, 2.0 and 3.0), written here
 * rather than taken from npm: the format is small and no maintained package reads it without also
 * evaluating the header.
 *
 * Layout: the magic `\x93NUMPY`, a major and minor version byte, the header's length (uint16 LE
 * in 1.0, uint32 LE in 2.0 and 3.0), then the header: a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (100, 784), }`, padded with spaces to a
 * multiple of 64 bytes and ended by `\n`; then the array's bytes.
 *
 * The header is parsed as data by a small tokenizer that accepts exactly the three keys above, with
 * a string, a boolean and a tuple of integers: nothing in it is evaluated. Accepted element types:
 * float32, float64, uint8, int32 and int64 in either byte order; C order only. Every error is
 * INVALID_ARGUMENT and starts with the file's name (`path`).
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The element types this reader decodes, by NumPy's kind and byte size (`f4`, `u1`, …). */
export const NPY_DTYPES = ['f4', 'f8', 'u1', 'i4', 'i8'] as const;
export type NpyDtype = (typeof NPY_DTYPES)[number];

const DTYPE_NAMES: Readonly<Record<NpyDtype, string>> = {
  f4: 'float32',
  f8: 'float64',
  u1: 'uint8',
  i4: 'int32',
  i8: 'int64',
};

/** What an `.npy` header declares. */
export interface NpyHeader {
  readonly dtype: NpyDtype;
  readonly littleEndian: boolean;
  readonly shape: readonly number[];
  /** Offset of the first data byte from the start of the file. */
  readonly dataOffset: number;
}

/** An array decoded to float32, as the model reads it. */
export interface NpyArray {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

function invalid(path: string, problem: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${path}: ${problem}`);
}

/** Bytes the header needs before it can be parsed: its prefix says how many (see {@link parseNpyHeader}). */
export function npyHeaderBytes(path: string, prefix: Uint8Array): number {
  checkMagic(path, prefix);
  if (prefix.length < 12) throw invalid(path, 'truncated .npy header');
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.length);
  const major = prefix[6] as number;
  if (major === 1) return 10 + view.getUint16(8, true);
  if (major === 2 || major === 3) return 12 + view.getUint32(8, true);
  throw invalid(path, `.npy format version ${major}.${prefix[7]}; allowed: 1.0, 2.0, 3.0`);
}

function checkMagic(path: string, bytes: Uint8Array): void {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw invalid(path, 'not a .npy file (no \\x93NUMPY magic)');
  }
}

/** Parses the header at the start of `bytes` (at least {@link npyHeaderBytes} of them). */
export function parseNpyHeader(path: string, bytes: Uint8Array): NpyHeader {
  const end = npyHeaderBytes(path, bytes);
  if (bytes.length < end) throw invalid(path, `truncated .npy header: ${bytes.length} of ${end} bytes`);
  const start = bytes[6] === 1 ? 10 : 12;
  const text = new TextDecoder(bytes[6] === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, end));
  const fields = parseDictLiteral(path, text);
  const descr = fields.get('descr');
  const fortran = fields.get('fortran_order');
  const shape = fields.get('shape');
  if (typeof descr !== 'string') throw invalid(path, `header: descr ${describe(descr)}; allowed: a string`);
  if (typeof fortran !== 'boolean') throw invalid(path, 'header: fortran_order is missing');
  if (!Array.isArray(shape)) throw invalid(path, 'header: shape is missing');
  if (fortran) {
    throw invalid(path, 'arrays in Fortran order; allowed: C order (write np.ascontiguousarray(a))');
  }
  const match = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const dtype = match === null ? undefined : `${match[2]}${match[3]}`;
  if (match === null || !NPY_DTYPES.includes(dtype as NpyDtype)) {
    const allowed = NPY_DTYPES.map((d) => DTYPE_NAMES[d]).join(', ');
    throw invalid(path, `element type ${JSON.stringify(descr)}; allowed: ${allowed}`);
  }
  return { dtype: dtype as NpyDtype, littleEndian: match[1] !== '>', shape, dataOffset: end };
}

function describe(value: unknown): string {
  return value === undefined ? 'is missing' : `is ${JSON.stringify(value)}`;
}

/** Decodes a whole `.npy` file, checking that its length is what the header declares. */
export function decodeNpy(path: string, bytes: Uint8Array): NpyArray {
  const header = parseNpyHeader(path, bytes);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const size = Number(header.dtype.slice(1));
  const expected = header.dataOffset + count * size;
  if (bytes.length !== expected) {
    const problem = bytes.length < expected ? 'truncated' : 'trailing bytes';
    throw invalid(
      path,
      `${problem}: the header declares ${DTYPE_NAMES[header.dtype]} of shape (${header.shape.join(', ')}) ` +
        `(${expected} bytes) but the file holds ${bytes.length} bytes`,
    );
  }
  return { shape: header.shape, values: toFloat32(header, bytes.subarray(header.dataOffset), count) };
}

/** The element type's name as NumPy spells it, for messages. */
export function npyDtypeName(dtype: NpyDtype): string {
  return DTYPE_NAMES[dtype];
}

function toFloat32(header: NpyHeader, data: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const { dtype, littleEndian: le } = header;
  if (dtype === 'u1') {
    out.set(data);
    return out;
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read: (i: number) => number =
    dtype === 'f4'
      ? (i) => view.getFloat32(i * 4, le)
      : dtype === 'f8'
        ? (i) => view.getFloat64(i * 8, le)
        : dtype === 'i4'
          ? (i) => view.getInt32(i * 4, le)
          : (i) => Number(view.getBigInt64(i * 8, le));
  for (let i = 0; i < count; i += 1) out[i] = read(i);
  return out;
}

type Literal = string | boolean | number[];

/**
 * The header's dict literal: `{'key': value, ...}` with values `'text'`, `True`/`False` or a tuple
 * of non-negative integers (`()`, `(5,)`, `(3, 4)`), as NumPy writes it. Anything else is refused.
 */
function parseDictLiteral(path: string, text: string): Map<string, Literal> {
  const src = text.trimEnd();
  let i = 0;
  const fail = (what: string): never => {
    throw invalid(path, `header is not a dict literal NumPy writes: ${what} at character ${i}`);
  };
  const skip = () => {
    while (i < src.length && /\s/.test(src[i] as string)) i += 1;
  };
  const expect = (c: string) => {
    skip();
    if (src[i] !== c) fail(`expected ${JSON.stringify(c)}`);
    i += 1;
  };
  const string = (): string => {
    skip();
    const quote = src[i];
    if (quote !== "'" && quote !== '"') fail('expected a quoted string');
    const end = src.indexOf(quote as string, i + 1);
    if (end < 0) fail('unterminated string');
    const value = src.slice(i + 1, end);
    i = end + 1;
    return value;
  };
  const value = (): Literal => {
    skip();
    for (const [word, flag] of [
      ['True', true],
      ['False', false],
    ] as const) {
      if (src.startsWith(word, i)) {
        i += word.length;
        return flag;
      }
    }
    return src[i] === '(' ? tuple() : string();
  };
  const tuple = (): number[] => {
    expect('(');
    const dims: number[] = [];
    for (;;) {
      skip();
      if (src[i] === ')') {
        i += 1;
        return dims;
      }
      const digits = /^\d+/.exec(src.slice(i));
      if (digits === null) fail('expected a dimension');
      dims.push(Number(digits?.[0]));
      i += digits?.[0].length ?? 0;
      skip();
      if (src[i] === ',') i += 1;
      else if (src[i] !== ')') fail('expected "," or ")"');
    }
  };
  const fields = new Map<string, Literal>();
  expect('{');
  for (;;) {
    skip();
    if (src[i] === '}') break;
    const key = string();
    if (!['descr', 'fortran_order', 'shape'].includes(key) || fields.has(key)) fail(`key ${key}`);
    expect(':');
    fields.set(key, value());
    skip();
    if (src[i] === ',') i += 1;
    else if (src[i] !== '}') fail('expected "," or "}"');
  }
  i += 1;
  skip();
  if (i !== src.length) fail('trailing characters');
  return fields;
}
