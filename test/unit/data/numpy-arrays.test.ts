import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANY_DATA_DIR,
  bufferSource,
  dataRootPolicy,
  decodeNpy,
  loadArrays,
  readZipEntries,
  summarizeArrays,
} from '../../../src/data/index.js';
import { toolchainMissing } from '../../helpers/foreign-client.js';

const PYTHON = '/usr/bin/python3';
/** Debian's python3-numpy writes the files (.ci/run installs it). */
const missing = toolchainMissing('NumPy', [[PYTHON, '-c', 'import numpy']]);

let dir: string;
const numpy = (script: string) =>
  execFileSync(PYTHON, ['-c', `import numpy as np, os\nos.chdir(${JSON.stringify(dir)})\n${script}`]);

/** 0..11 as each dtype, shape (3, 4); the same values in every file, so each decodes to them. */
const DTYPES = ['<f4', '<f8', '|u1', '<i4', '<i8', '>f4', '>f8', '>i4', '>i8'];
const VALUES = Array.from({ length: 12 }, (_, i) => i * (i % 2 === 0 ? 1 : 3));

beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), 'gradnoise-npy-'));
  numpy(`
v = np.array(${JSON.stringify(VALUES)}).reshape(3, 4)
for i, t in enumerate(${JSON.stringify(DTYPES)}):
    np.save(f"a{i}.npy", v.astype(np.dtype(t)))
np.save("fortran.npy", np.asfortranarray(v.astype(np.float32)))
np.save("f16.npy", v.astype(np.float16))
np.lib.format.write_array(open("v2.npy", "wb"), v.astype(np.float32), version=(2, 0))
os.mkdir("set")
rng = np.random.default_rng(3)
x = rng.normal(size=(10, 2, 3)).astype(np.float32); y = rng.integers(0, 5, size=10)
arrays = dict(x_train=x[:7], y_train=y[:7], x_test=x[7:], y_test=y[7:])
for k, a in arrays.items(): np.save(f"set/{k}.npy", a)
np.savez("stored.npz", **arrays)
np.savez_compressed("deflated.npz", **arrays)
np.savez("partial.npz", x_train=x, y_train=y)
np.savez("mismatch.npz", x_train=x[:7], y_train=y[:6], x_test=x[7:], y_test=y[7:])
np.save("x.npy", x); np.save("y.npy", y)
`);
});
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(missing !== null)('.npy files written by NumPy', () => {
  it.each(DTYPES.map((t, i) => [t, i] as const))('decodes %s, shape (3, 4), in C order', (_dtype, i) => {
    const path = join(dir, `a${i}.npy`);
    const array = decodeNpy(path, readFileSync(path));
    expect(array.shape).toEqual([3, 4]);
    expect([...array.values]).toEqual(VALUES);
  });

  it('reads format version 2.0 headers', () => {
    const path = join(dir, 'v2.npy');
    expect([...decodeNpy(path, readFileSync(path)).values]).toEqual(VALUES);
  });

  it('refuses Fortran order, other dtypes and a truncated file, naming the file', () => {
    const read = (name: string, cut = 0) => {
      const path = join(dir, name);
      const bytes = readFileSync(path);
      return () => decodeNpy(path, bytes.subarray(0, bytes.length - cut));
    };
    expect(read('fortran.npy')).toThrow(/fortran\.npy: arrays in Fortran order; allowed: C order/);
    expect(read('f16.npy')).toThrow(
      /f16\.npy: element type "<f2"; allowed: float32, float64, uint8, int32, int64/,
    );
    expect(read('a0.npy', 4)).toThrow(
      /a0\.npy: truncated: the header declares float32 of shape \(3, 4\) \(176 bytes\)/,
    );
    expect(() => decodeNpy('bad.npy', Buffer.from('PK not numpy'))).toThrow(/bad\.npy: not a \.npy file/);
  });

  it('refuses a header that is not the dict literal NumPy writes (nothing in it is evaluated)', () => {
    const header = "{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,), }";
    const padded = `${header}${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
    const bytes = Buffer.concat([
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]),
      Buffer.from(padded, 'latin1'),
      Buffer.alloc(4),
    ]);
    expect(() => decodeNpy('evil.npy', bytes)).toThrow(
      /evil\.npy: header is not a dict literal NumPy writes/,
    );
  });
});

describe.skipIf(missing !== null)('NumPy data sets: a directory of .npy, or .npz stored or deflated', () => {
  it.each([
    ['npy', 'set'],
    ['npz', 'stored.npz'],
    ['npz', 'deflated.npz'],
  ] as const)('%s %s: shapes from headers, then the same arrays as .npy', async (format, name) => {
    const source = { format, path: join(dir, name) };
    expect(summarizeArrays(source, ANY_DATA_DIR)).toEqual({
      trainCount: 7,
      testCount: 3,
      xShape: [2, 3],
      yShape: [],
    });
    const split = await loadArrays(source, ANY_DATA_DIR);
    const x = decodeNpy('x', readFileSync(join(dir, 'x.npy'))).values;
    const y = decodeNpy('y', readFileSync(join(dir, 'y.npy'))).values;
    expect(split.train.x).toEqual(x.subarray(0, 42));
    expect(split.test.x).toEqual(x.subarray(42));
    expect(split.train.y).toEqual(y.subarray(0, 7));
    expect(split.test.count).toBe(3);
  });

  it('refuses a missing array, disagreeing counts, a corrupt archive and a path outside the roots', async () => {
    const at = (name: string) => ({ format: 'npz' as const, path: join(dir, name) });
    expect(() => summarizeArrays(at('partial.npz'), ANY_DATA_DIR)).toThrow(
      /partial\.npz: no array x_test; an \.npz data set holds x_train, y_train, x_test and y_test \(found: x_train, y_train\)/,
    );
    expect(() => summarizeArrays(at('mismatch.npz'), ANY_DATA_DIR)).toThrow(
      /x_train has 7 samples but y_train has 6; they must match/,
    );
    const bytes = readFileSync(join(dir, 'deflated.npz'));
    const flipped = Buffer.from(bytes);
    const entry = readZipEntries('d', bufferSource(bytes)).find((e) => e.name === 'x_train.npy');
    const at80 = (entry?.localOffset ?? 0) + 80;
    flipped[at80] = (flipped[at80] as number) ^ 0xff;
    writeFileSync(join(dir, 'flipped.npz'), flipped);
    await expect(loadArrays(at('flipped.npz'), ANY_DATA_DIR)).rejects.toThrow(
      /flipped\.npz: member x_train\.npy/,
    );
    writeFileSync(join(dir, 'short.npz'), bytes.subarray(0, 100));
    expect(() => summarizeArrays(at('short.npz'), ANY_DATA_DIR)).toThrow(/short\.npz: not a zip archive/);
    const roots = dataRootPolicy(['/srv/data'], 'GRADNOISE_DATA_ROOTS');
    expect(() => summarizeArrays(at('stored.npz'), roots, 'data.path')).toThrow(
      /^data\.path: got ".*stored\.npz"; allowed: a directory in \/srv\/data/,
    );
    expect(() => summarizeArrays({ format: 'npy', path: join(dir, 'nowhere') }, ANY_DATA_DIR)).toThrow(
      /nowhere\/x_train\.npy: file not found/,
    );
  });
});
