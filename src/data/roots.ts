import { isAbsolute, resolve, sep } from 'node:path';
import { invalidArgument } from '../core/index.js';

/**
 * Which server directories a client may name as training data (an IDX `data.dir`). A service open
 * to many projects must not let a request probe the server's file system.
 *
 * The policy is a value, not a setting of the process: the service compiles it once from
 * `GRADNOISE_DATA_ROOTS` (`src/config.ts`) and hands it to everything that reads data, on the main
 * thread and in the training workers (in their boot data, then in each trainer's `TrainerContext`).
 * Worker threads have module state of their own, so a global set on the main thread would never
 * reach them. It is plain, frozen data, so it survives the structured clone into a worker.
 *
 * A path is allowed when, normalised (`..` and `.` resolved, trailing separators dropped), it is a
 * root or lies below one, compared by whole path segments (`/data2` is not below `/data`).
 * The check is lexical: symbolic links are not resolved, since resolving would touch the file
 * system before the check and a client cannot create links; a link an operator placed inside a
 * root is followed as they made it. A relative path is never allowed.
 */
export interface DataRootPolicy {
  /** Absolute, normalised directories. Empty allows nothing; `/` allows any absolute path. */
  readonly roots: readonly string[];
  /** Where the roots come from, named in every refusal, e.g. `GRADNOISE_DATA_ROOTS`. */
  readonly source: string;
}

/**
 * Builds a policy from absolute roots (normalised here). Throws RangeError for a relative root:
 * the roots come from the operator, and their configuration reports them field by field.
 */
export function dataRootPolicy(roots: readonly string[], source: string): DataRootPolicy {
  for (const root of roots) {
    if (!isAbsolute(root)) throw new RangeError(`data root ${JSON.stringify(root)} is not absolute`);
  }
  return Object.freeze({ roots: Object.freeze(roots.map((root) => resolve(root))), source });
}

/** The library's policy where no service configured one (tests, benchmarks, embedding code): any absolute path. */
export const ANY_DATA_DIR: DataRootPolicy = dataRootPolicy(['/'], 'no data root policy');

/** Whether `path` may be read under `policy` (see {@link DataRootPolicy} for the rules). */
export function allowsDataPath(policy: DataRootPolicy, path: string): boolean {
  if (!isAbsolute(path)) return false;
  const normal = resolve(path);
  return policy.roots.some(
    (root) => normal === root || normal.startsWith(root.endsWith(sep) ? root : root + sep),
  );
}

/**
 * Throws AppError INVALID_ARGUMENT naming `field`, the path as given and the allowed roots, unless
 * `policy` allows `path`. Call it before anything opens, stats or lists the path.
 */
export function checkDataPath(policy: DataRootPolicy, field: string, path: string): void {
  if (allowsDataPath(policy, path)) return;
  const allowed =
    policy.roots.length === 0
      ? `no directory (the server's data root policy, ${policy.source}, allows none)`
      : `a directory in ${policy.roots.join(', ')} (the server's data root policy, ${policy.source})`;
  throw invalidArgument(field, path, allowed);
}
