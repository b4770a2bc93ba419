import type { ObjectiveMode } from '../sweeps/index.js';
import { enumValue } from './fields.js';

/** The wire form of `ObjectiveMode` (sweeps.proto), shared by a sweep's objective and its restart selection. */
const MODE = { OBJECTIVE_MODE_MAX: 'max', OBJECTIVE_MODE_MIN: 'min' } as const;

/** `max` → `OBJECTIVE_MODE_MAX`. */
export const OBJECTIVE_MODE_NAME = { max: 'OBJECTIVE_MODE_MAX', min: 'OBJECTIVE_MODE_MIN' } as const;

/** A mode field as `{ mode }`, or `{}` when unspecified; an unknown value is INVALID_ARGUMENT naming `field`. */
export function decodeMode(field: string, raw: string | number | undefined): { mode?: ObjectiveMode } {
  const mode = enumValue(field, raw, MODE, 'OBJECTIVE_MODE_UNSPECIFIED');
  return mode === undefined ? {} : { mode };
}
