import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/**
 * Which BLAS a PyTorch child really calls (issue 22). Debian's `python3-torch` is built with
 * `BLAS_INFO=generic`: it calls whatever `libblas.so.3` resolves to, which on a fresh Debian is the
 * unoptimised reference BLAS, about 9× slower on the MLP step than the same binary on OpenBLAS
 * (`apt-get install libopenblas0-pthread`). A ratio against that baseline flatters us, so every
 * PyTorch comparison in `bench/` prints the BLAS it found and reports no ratio unless it is
 * optimised.
 *
 * Evidence: the build's own `BLAS_INFO` (pip wheels link MKL statically, so no library of its own
 * shows in the maps), and for a `generic` build the libraries mapped into the child's memory
 * (`/proc/<pid>/maps`, after `import torch`).
 */
export type BlasKind = 'openblas' | 'mkl' | 'blis' | 'reference' | 'unknown';

export interface BlasResolution {
  readonly kind: BlasKind;
  /** Whether a ratio against this PyTorch may be reported. */
  readonly optimised: boolean;
  /** What decided it: a mapped library's path, `BLAS_INFO=…`, or why nothing did. */
  readonly evidence: string;
}

const OPTIMISED: ReadonlySet<BlasKind> = new Set(['openblas', 'mkl', 'blis']);

/** The kind of one shared-library path, or null when it is no BLAS. */
export function blasOfPath(path: string): BlasKind | null {
  const name = path.toLowerCase();
  if (name.includes('openblas')) return 'openblas';
  if (/(^|\/)libmkl_/.test(name)) return 'mkl';
  if (/(^|\/)libblis/.test(name)) return 'blis';
  // Debian's reference implementation: /usr/lib/<triplet>/blas/libblas.so.3 (package libblas3).
  if (/\/blas\/libblas\.so/.test(name)) return 'reference';
  return null;
}

/** The mapped file paths of a `/proc/<pid>/maps` text (sixth column), each once, in order. */
export function mappedPaths(maps: string): string[] {
  const paths = new Set<string>();
  for (const line of maps.split('\n')) {
    const path = line.trim().split(/\s+/).slice(5).join(' ');
    if (path.startsWith('/')) paths.add(path);
  }
  return [...paths];
}

/**
 * Decides from the child's maps and its build's `BLAS_INFO` (`generic`, `mkl`, `open`, …).
 * - A build that names its BLAS (`mkl`, `open`) calls it directly, whatever else is mapped.
 * - A `generic` build (Debian's) calls whatever provides `libblas.so.3`: the mapped `libblas.so*`
 *   decides. Only one library of that soname is ever loaded, so when Debian's reference BLAS is
 *   mapped it is the one the calls bind to, even beside an OpenBLAS that `liblapack.so.3` pulled in
 *   (seen with `LD_LIBRARY_PATH` pointing at the reference directory).
 * - Else an optimised library mapped under another name; else `unknown`, which is not optimised.
 */
export function resolveBlas(maps: string, blasInfo: string | null): BlasResolution {
  const info = (blasInfo ?? '').trim().toLowerCase();
  const found = mappedPaths(maps).flatMap((path) => {
    const kind = blasOfPath(path);
    return [{ kind: kind ?? ('unknown' as const), path, known: kind !== null }];
  });
  const byInfo: BlasKind | null =
    info === 'mkl' ? 'mkl' : info === 'open' || info === 'openblas' ? 'openblas' : null;
  if (byInfo !== null) {
    const library = found.find((f) => f.kind === byInfo);
    const evidence = `BLAS_INFO=${info}${library === undefined ? '' : `, ${library.path}`}`;
    return { kind: byInfo, optimised: true, evidence };
  }
  const provider = found.find((f) => /^libblas\.so/.test(basename(f.path)));
  if (provider !== undefined)
    return { kind: provider.kind, optimised: OPTIMISED.has(provider.kind), evidence: provider.path };
  const optimised = found.find((f) => f.known && OPTIMISED.has(f.kind));
  if (optimised !== undefined) return { kind: optimised.kind, optimised: true, evidence: optimised.path };
  return {
    kind: 'unknown',
    optimised: false,
    evidence: `no BLAS library mapped, BLAS_INFO=${info === '' ? 'absent' : info}`,
  };
}

/** {@link resolveBlas} for a running process; `unknown` where its maps cannot be read. */
export async function blasOfProcess(pid: number, blasInfo: string | null): Promise<BlasResolution> {
  let maps = '';
  try {
    maps = await readFile(`/proc/${pid}/maps`, 'utf8');
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { kind: 'unknown', optimised: false, evidence: `cannot read /proc/${pid}/maps: ${why}` };
  }
  return resolveBlas(maps, blasInfo);
}

/** `openblas (/usr/lib/…/libopenblasp-r0.3.21.so)`. */
export const formatBlas = (b: BlasResolution): string => `${b.kind} (${b.evidence})`;

/** What a report says instead of a ratio against a PyTorch on an unoptimised BLAS. */
export const refusedRatio = (b: BlasResolution): string =>
  `not reported: PyTorch resolved ${formatBlas(b)}, not an optimised BLAS; install libopenblas0-pthread`;
