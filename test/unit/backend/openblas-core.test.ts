import { describe, expect, it } from 'vitest';
import { openBlasCoreFor, openBlasCoreType } from '../../../src/backend/index.js';

describe("OpenBLAS's kernels for the native backend", () => {
  const avx512 = new Set([
    'sse4_2',
    'avx',
    'avx2',
    'fma',
    'avx512f',
    'avx512cd',
    'avx512bw',
    'avx512dq',
    'avx512vl',
  ]);

  it('names SkylakeX on an AVX-512 CPU and leaves an AVX2 or older CPU to OpenBLAS', () => {
    expect(openBlasCoreFor(avx512)).toBe('SkylakeX');
    expect(openBlasCoreFor(new Set(['sse4_2', 'avx', 'avx2', 'fma']))).toBeNull();
    // Part of AVX-512 only (Knights Landing has no BW/DQ/VL): not enough for SkylakeX kernels.
    expect(openBlasCoreFor(new Set(['avx2', 'fma', 'avx512f', 'avx512cd']))).toBeNull();
    expect(openBlasCoreFor(new Set())).toBeNull();
  });

  it("keeps the operator's OPENBLAS_CORETYPE", () => {
    expect(openBlasCoreType('Haswell')).toBe('Haswell');
  });
});
