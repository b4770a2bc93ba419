import { readFileSync } from 'node:fs';

/**
 * Which kernels OpenBLAS runs. A DYNAMIC_ARCH build (Debian's) picks them for the CPU when the
 * library loads, unless `OPENBLAS_CORETYPE` names a core. OpenBLAS 0.3.21 (Debian 12) does not know
 * CPUs newer than itself (Sapphire Rapids, for one) and then falls back to its oldest x86-64 kernels
 * (`Prescott`, SSE3), several times slower at sgemm than the AVX-512 ones the CPU can run
 * (docs/benchmarks.md). The native backend's loader therefore names the core itself where the CPU has
 * AVX-512 and the operator has not set the variable; AVX2 CPUs are all known to 0.3.21 and are left
 * to its detection. The bench gives PyTorch the same core, so that both sides run the same sgemm.
 */

/** AVX-512 subsets OpenBLAS's `SkylakeX` kernels use. */
const SKYLAKEX_FLAGS = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'] as const;

/** The core to name for a CPU with these `/proc/cpuinfo` flags, or null to leave OpenBLAS's own choice. */
export function openBlasCoreFor(flags: ReadonlySet<string>): string | null {
  return SKYLAKEX_FLAGS.every((f) => flags.has(f)) ? 'SkylakeX' : null;
}

/** This CPU's flags (`/proc/cpuinfo`, first processor); empty where the file cannot be read. */
export function cpuFlags(): Set<string> {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    return new Set((line?.split(':')[1] ?? '').trim().split(/\s+/));
  } catch {
    return new Set();
  }
}

/**
 * The `OPENBLAS_CORETYPE` to run with: `current` when set (the operator's choice), else the core
 * {@link openBlasCoreFor} this CPU, else undefined.
 */
export function openBlasCoreType(current: string | undefined): string | undefined {
  if (current !== undefined && current !== '') return current;
  return openBlasCoreFor(cpuFlags()) ?? undefined;
}
