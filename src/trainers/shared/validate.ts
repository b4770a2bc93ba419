import { invalidArgument } from '../../core/index.js';

/**
 * Field checks for `TrainerDefinition.compile`. Each returns the value with its type narrowed, or
 * throws `invalidArgument(field, value, allowed)`: INVALID_ARGUMENT with a message such as
 * `depth: got 0; allowed: an integer in [1, 200]`. Configs come from clients as JSON, so nothing
 * about their types is assumed.
 */

/** An integer in [min, max]. */
export function integerIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(field, value, `an integer in [${min}, ${max}]`);
  }
  return value;
}

/** A finite number in [min, max), or [min, max] when `maxInclusive`. */
export function numberIn(
  field: string,
  value: unknown,
  min: number,
  max: number,
  maxInclusive: boolean,
): number {
  const aboveMax = typeof value === 'number' && (maxInclusive ? value > max : value >= max);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || aboveMax) {
    throw invalidArgument(field, value, `a number in [${min}, ${max}${maxInclusive ? ']' : ')'}`);
  }
  return value;
}

/** One of the listed strings. */
export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  const match = allowed.find((option) => option === value);
  if (match === undefined) throw invalidArgument(field, value, `one of: ${allowed.join(', ')}`);
  return match;
}

/**
 * A plain object whose keys are all in `known`; an unknown key (usually a typo, e.g. `widht`) is
 * rejected rather than silently ignored. `prefix` is the path of the object, '' at the top level.
 */
export function recordWithKeys(
  prefix: string,
  value: unknown,
  known: readonly string[],
): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgument(prefix === '' ? 'config' : prefix, value, 'an object');
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      throw invalidArgument(
        prefix === '' ? key : `${prefix}.${key}`,
        record[key],
        `a known key (${known.join(', ')})`,
      );
    }
  }
  return record;
}
