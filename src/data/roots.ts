import { isAbsolute, resolve, sep } from 'node:path';

/**
 * Which server directories a client may name as training data (an IDX `data.dir`). A service open
 * to many projects must not let a request probe the server's file system: with roots set, a
 * directory is allowed only when, normalised (`..` resolved), it is a root or lies below one.
 *
 * The service sets the roots once at start from `GRADNOISE_DATA_ROOTS` (`src/main.ts`); in a
 * process that never sets them (the library, tests, benchmarks) every absolute directory is
 * allowed. Symbolic links inside a root are followed as the operator made them.
 */
let roots: readonly string[] | null = null;

/** Sets the allowed roots (absolute paths), or null to allow any directory. */
export function setDataRoots(value: readonly string[] | null): void {
  if (value !== null) {
    for (const root of value) {
      if (!isAbsolute(root)) throw new RangeError(`data root ${JSON.stringify(root)} is not absolute`);
    }
  }
  roots = value === null ? null : value.map((root) => resolve(root));
}

/** The allowed roots, or null when any directory is allowed. */
export function dataRoots(): readonly string[] | null {
  return roots;
}

/** Whether the absolute directory `dir` may be read as training data. */
export function isAllowedDataDir(dir: string): boolean {
  if (roots === null) return true;
  const path = resolve(dir);
  return roots.some((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep));
}
