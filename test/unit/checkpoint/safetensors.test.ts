import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  fromLittleEndianBytes,
  readSafetensorsHeader,
  toLittleEndianBytes,
} from '../../../src/checkpoint/index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A file whose header is `json` as given (no padding), followed by `data`. */
function rawFile(json: string, data: Uint8Array = new Uint8Array(0), declared?: bigint): Uint8Array {
  const header = ascii(json);
  const out = new Uint8Array(8 + header.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(header.byteLength), true);
  out.set(header, 8);
  out.set(data, 8 + header.byteLength);
  return out;
}

describe('safetensors codec', () => {
  it('writes the bytes the reference implementation writes for one I32 tensor', () => {
    // The published example of huggingface/safetensors: zeros((2, 2), int32) saved as "test".
    const out = encodeSafetensors([
      { name: 'test', tensor: { dtype: 'I32', shape: [2, 2], data: new Uint8Array(16) } },
    ]);
    const json = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
    expect(out.byteLength).toBe(8 + 64 + 16);
    expect(out[0]).toBe(64);
    expect(new TextDecoder().decode(out.subarray(8, 72))).toBe(`${json}    `);
  });

  it('reads an unpadded header with metadata', () => {
    const file = decodeSafetensors(
      rawFile(
        '{"__metadata__":{"framework":"pt"},"test1":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}',
        new Uint8Array(16),
      ),
    );
    expect(file.metadata).toEqual({ framework: 'pt' });
    expect([...file.tensors.keys()]).toEqual(['test1']);
  });

  it('round-trips mixed dtypes, shapes (scalar, empty) and metadata, in order', () => {
    const weights = Float32Array.from([0.5, -1.25, Math.PI, 1e-30, Number.NaN, -0]);
    const counts = Int32Array.from([7, -2_147_483_648, 2_147_483_647]);
    const mask = Uint8Array.from([1, 0, 1]);
    const bytes = encodeSafetensors(
      [
        { name: 'model/w', tensor: { dtype: 'F32', shape: [2, 3], data: toLittleEndianBytes(weights) } },
        { name: 'mask', tensor: { dtype: 'BOOL', shape: [3], data: toLittleEndianBytes(mask) } },
        { name: 'count', tensor: { dtype: 'I32', shape: [3], data: toLittleEndianBytes(counts) } },
        {
          name: 'scalar',
          tensor: { dtype: 'F64', shape: [], data: toLittleEndianBytes(Float64Array.of(2.5)) },
        },
        { name: 'empty', tensor: { dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) } },
      ],
      { step: '12', note: 'ünïcode' },
    );
    const file = decodeSafetensors(bytes);
    expect([...file.tensors.keys()]).toEqual(['model/w', 'mask', 'count', 'scalar', 'empty']);
    expect(file.metadata).toEqual({ step: '12', note: 'ünïcode' });
    const w = file.tensors.get('model/w');
    expect(w?.shape).toEqual([2, 3]);
    // Bit-exact, including NaN and negative zero.
    expect(Buffer.from(fromLittleEndianBytes('F32', w?.data ?? new Uint8Array()).buffer)).toEqual(
      Buffer.from(weights.buffer),
    );
    expect([
      ...(fromLittleEndianBytes('I32', file.tensors.get('count')?.data ?? new Uint8Array()) as Int32Array),
    ]).toEqual([...counts]);
    expect([...fromLittleEndianBytes('F64', file.tensors.get('scalar')?.data ?? new Uint8Array())]).toEqual([
      2.5,
    ]);
    expect(file.tensors.get('empty')?.shape).toEqual([0, 4]);
    // The data section starts 8-byte aligned.
    expect(readSafetensorsHeader(bytes).dataStart % 8).toBe(0);
  });

  it('is readable by an independent reader (Python + numpy)', () => {
    const bytes = encodeSafetensors(
      [
        {
          name: 'a',
          tensor: { dtype: 'F32', shape: [2, 2], data: toLittleEndianBytes(Float32Array.of(1, 2, 3, 4.5)) },
        },
        {
          name: 'b',
          tensor: { dtype: 'I32', shape: [3], data: toLittleEndianBytes(Int32Array.of(-1, 0, 9)) },
        },
      ],
      { k: 'v' },
    );
    const script = [
      'import sys, json, struct, numpy as np',
      'b = sys.stdin.buffer.read()',
      "(n,) = struct.unpack('<Q', b[:8])",
      'h = json.loads(b[8:8 + n])',
      "kinds = {'F32': '<f4', 'I32': '<i4'}",
      "out = {k: np.frombuffer(b[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]], dtype=kinds[v['dtype']]).reshape(v['shape']).tolist() for k, v in h.items() if k != '__metadata__'}",
      "out['meta'] = h['__metadata__']",
      'print(json.dumps(out))',
    ].join('\n');
    const printed = execFileSync('/usr/bin/python3', ['-c', script], { input: bytes }).toString();
    expect(JSON.parse(printed)).toEqual({
      a: [
        [1, 2],
        [3, 4.5],
      ],
      b: [-1, 0, 9],
      meta: { k: 'v' },
    });
  });

  describe('rejects malformed files', () => {
    const entry = (offsets: string, dtype = 'F32', shape = '[2]') =>
      `{"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}}`;
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['shorter than 8 bytes', new Uint8Array(5), /shorter than the 8-byte header length/],
      [
        'header length beyond the file',
        rawFile('{}', new Uint8Array(0), 1000n),
        /header length 1000 exceeds/,
      ],
      ['huge header length', rawFile('{}', new Uint8Array(0), 2n ** 63n), /exceeds/],
      ['header not JSON', rawFile('{nope'), /not a UTF-8 JSON object/],
      ['header a JSON array', rawFile('[1,2]'), /not a UTF-8 JSON object/],
      ['invalid UTF-8', rawFile('{"ab":1}').map((b, i) => (i === 10 ? 0xff : b)), /UTF-8/],
      [
        'unknown dtype',
        rawFile(`{"x":${entry('[0,8]', 'F128')}}`, new Uint8Array(8)),
        /unknown dtype "F128"/,
      ],
      ['negative dim', rawFile(`{"x":${entry('[0,8]', 'F32', '[-2]')}}`, new Uint8Array(8)), /shape must be/],
      ['length not matching the shape', rawFile(`{"x":${entry('[0,4]')}}`, new Uint8Array(4)), /needs 8/],
      ['begin after end', rawFile(`{"x":${entry('[8,0]')}}`, new Uint8Array(8)), /0 <= begin <= end/],
      ['out of range', rawFile(`{"x":${entry('[0,8]')}}`, new Uint8Array(4)), /end 8 > data size 4/],
      [
        'overlapping offsets',
        rawFile(`{"x":${entry('[0,8]')},"y":${entry('[4,12]')}}`, new Uint8Array(12)),
        /overlap at byte 4/,
      ],
      ['a hole', rawFile(`{"x":${entry('[4,12]')}}`, new Uint8Array(12)), /hole in the data before byte 4/],
      [
        'unindexed trailing bytes',
        rawFile(`{"x":${entry('[0,8]')}}`, new Uint8Array(12)),
        /4 bytes after the last/,
      ],
      ['non-string metadata', rawFile('{"__metadata__":{"a":1}}'), /__metadata__.a is not a string/],
      [
        'unknown field',
        rawFile('{"x":{"dtype":"F32","shape":[],"data_offsets":[0,4],"z":1}}', new Uint8Array(4)),
        /unknown field z/,
      ],
    ];
    it.each(cases)('%s', (_label, bytes, message) => {
      expect(() => decodeSafetensors(bytes)).toThrow(message);
      try {
        decodeSafetensors(bytes);
      } catch (error) {
        expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
    });
  });

  it('refuses to encode inconsistent input', () => {
    const data = new Uint8Array(4);
    expect(() => encodeSafetensors([{ name: 'x', tensor: { dtype: 'F32', shape: [2], data } }])).toThrow(
      /4 bytes for F32\[2\]/,
    );
    expect(() =>
      encodeSafetensors([
        { name: 'x', tensor: { dtype: 'F32', shape: [1], data } },
        { name: 'x', tensor: { dtype: 'F32', shape: [1], data } },
      ]),
    ).toThrow(/repeated/);
  });
});
