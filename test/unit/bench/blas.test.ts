import { describe, expect, it } from 'vitest';
import { blasOfPath, blasOfProcess, mappedPaths, resolveBlas } from '../../../bench/lib/blas.js';

/** Lines of `/proc/<pid>/maps` as Linux writes them, one per mapped file. */
const maps = (...paths: string[]): string =>
  [
    '7f3a00000000-7f3a00021000 rw-p 00000000 00:00 0 ',
    ...paths.map((p, i) => `7f3b${i}0000000-7f3b${i}0100000 r-xp 00000000 08:01 ${1000 + i}      ${p}`),
    '7ffd1000-7ffd2000 rw-p 00000000 00:00 0                          [stack]',
  ].join('\n');

const TORCH = '/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13';
const REFERENCE = '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3';
const OPENBLAS_SHIM = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3';
const OPENBLAS = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so';

describe('which BLAS PyTorch resolved (issue 22)', () => {
  it('names the kind of a shared library path', () => {
    expect(blasOfPath(REFERENCE)).toBe('reference');
    // Debian's OpenBLAS provides libblas.so.3 too, in its own directory.
    expect(blasOfPath(OPENBLAS_SHIM)).toBe('openblas');
    expect(blasOfPath('/opt/venv/lib/python3.11/site-packages/torch/lib/libmkl_core.so.2')).toBe('mkl');
    expect(blasOfPath('/usr/lib/x86_64-linux-gnu/libblis.so.4')).toBe('blis');
    expect(blasOfPath(TORCH)).toBeNull();
    expect(blasOfPath('/usr/lib/x86_64-linux-gnu/liblapack.so.3')).toBeNull();
  });

  it('reads the paths of a maps file, each once, skipping anonymous and special mappings', () => {
    expect(mappedPaths(maps(TORCH, TORCH, '/path with space/libx.so'))).toEqual([
      TORCH,
      '/path with space/libx.so',
    ]);
  });

  it('reports the reference BLAS as not optimised, and OpenBLAS as optimised', () => {
    const reference = resolveBlas(maps(TORCH, REFERENCE), 'generic');
    expect(reference).toEqual({ kind: 'reference', optimised: false, evidence: REFERENCE });
    const openblas = resolveBlas(maps(TORCH, OPENBLAS, OPENBLAS_SHIM), 'generic');
    expect(openblas).toEqual({ kind: 'openblas', optimised: true, evidence: OPENBLAS_SHIM });
  });

  it('takes the libblas.so.3 provider of a generic build, even beside a mapped OpenBLAS', () => {
    // liblapack.so.3 pulled OpenBLAS in, but sgemm_ binds to the one libblas.so.3 loaded.
    const mixed = resolveBlas(
      maps(TORCH, OPENBLAS, '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0'),
      'generic',
    );
    expect(mixed).toMatchObject({ kind: 'reference', optimised: false });
    // An unrecognised libblas.so.3 is no optimised BLAS we know of.
    expect(resolveBlas(maps('/opt/lib/libblas.so.3', OPENBLAS), null)).toMatchObject({
      kind: 'unknown',
      optimised: false,
    });
    // A generic build linked to OpenBLAS under its own name.
    expect(resolveBlas(maps(TORCH, OPENBLAS), 'generic')).toMatchObject({
      kind: 'openblas',
      optimised: true,
    });
  });

  it('falls back to BLAS_INFO when no library is mapped (MKL linked statically), else unknown', () => {
    expect(resolveBlas(maps(TORCH), 'mkl')).toEqual({
      kind: 'mkl',
      optimised: true,
      evidence: 'BLAS_INFO=mkl',
    });
    expect(resolveBlas(maps(TORCH), 'open').kind).toBe('openblas');
    const generic = resolveBlas(maps(TORCH), 'generic');
    expect(generic).toMatchObject({ kind: 'unknown', optimised: false });
    expect(generic.evidence).toContain('generic');
    expect(resolveBlas('', null).evidence).toContain('absent');
  });

  it('reads a live process and says why when it cannot', async () => {
    // This test process maps no BLAS; the answer rests on BLAS_INFO.
    expect((await blasOfProcess(process.pid, 'mkl')).kind).toBe('mkl');
    const missing = await blasOfProcess(2 ** 30, null);
    expect(missing).toMatchObject({ kind: 'unknown', optimised: false });
    expect(missing.evidence).toContain(`/proc/${2 ** 30}/maps`);
  });
});
