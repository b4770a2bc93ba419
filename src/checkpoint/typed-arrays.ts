import { AppError } from '../core/index.js';
import { DTYPE_SIZES, type SafetensorsDtype } from './safetensors.js';

/**
 * Conversions between JavaScript typed arrays and the little-endian bytes of safetensors. On a
 * little-endian host (every platform Node ships for) they copy bytes; on a big-endian host they swap
 * each element, so a file is the same on every machine.
 */

export type NumericArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += size) {
    for (let j = 0; j < size; j += 1) out[i + j] = bytes[i + size - 1 - j] ?? 0;
  }
  return out;
}

/** The little-endian bytes of `array` (a copy, so the result owns its buffer and can be transferred). */
export function toLittleEndianBytes(array: NumericArray): Uint8Array {
  const view = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  return HOST_IS_LITTLE_ENDIAN || array.BYTES_PER_ELEMENT === 1
    ? view.slice()
    : swapped(view, array.BYTES_PER_ELEMENT);
}

/** The typed array a dtype decodes to. 16- and 8-bit floats stay raw (`Uint16Array`/`Uint8Array`). */
export function fromLittleEndianBytes(dtype: SafetensorsDtype, bytes: Uint8Array): NumericArray {
  const size = DTYPE_SIZES[dtype];
  // A copy: it aligns the data for the typed array and detaches the result from the file's buffer.
  // `new Uint8Array`, not `slice()`: a Node Buffer's slice is a view of the whole file's memory.
  const copy = HOST_IS_LITTLE_ENDIAN || size === 1 ? new Uint8Array(bytes) : swapped(bytes, size);
  const { buffer } = copy;
  switch (dtype) {
    case 'F64':
      return new Float64Array(buffer);
    case 'F32':
      return new Float32Array(buffer);
    case 'I32':
      return new Int32Array(buffer);
    case 'I16':
      return new Int16Array(buffer);
    case 'I8':
      return new Int8Array(buffer);
    case 'U32':
      return new Uint32Array(buffer);
    case 'U16':
    case 'F16':
    case 'BF16':
      return new Uint16Array(buffer);
    case 'U8':
    case 'BOOL':
    case 'F8_E4M3':
    case 'F8_E5M2':
      return new Uint8Array(buffer);
    case 'I64':
      return new BigInt64Array(buffer);
    case 'U64':
      return new BigUint64Array(buffer);
    default:
      throw new AppError('INVALID_ARGUMENT', `safetensors: unknown dtype ${String(dtype)}`);
  }
}
