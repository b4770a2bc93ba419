import { AppError, describeValue } from '../core/index.js';
/**
 * The error every option check in this module throws: the domain core's `AppError` with code
 * INVALID_ARGUMENT (so the one error mapping of the server handles it like any other bad field),
 * which also keeps the field, the value and what is allowed apart, so a caller can re-raise it with
 * its own prefix without parsing the message:
 *
 *     eta: got -1; allowed: a finite number >= 0
 */
export class OptionError extends AppError {
  /** Path of the offending field relative to the options object, e.g. `clip.byGlobalNorm`. */
  readonly field: string;
  readonly value: unknown;
  /** Human-readable description of the accepted values, e.g. `a finite number > 0`. */
  readonly allowed: string;

  constructor(field: string, value: unknown, allowed: string) {
    const description = `got ${describeValue(value)}; allowed: ${allowed}`;
    super('INVALID_ARGUMENT', `${field}: ${description}`, { fieldViolation: { field, description } });
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }

  /** The same error with `prefix.` in front of the field, e.g. `noise.eta`. */
  withPrefix(prefix: string): OptionError {
    return new OptionError(`${prefix}.${this.field}`, this.value, this.allowed);
  }
}

/** Runs `f`, re-raising an {@link OptionError} from it with `prefix.` in front of its field. */
export function withOptionPrefix<T>(prefix: string, f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw error instanceof OptionError ? error.withPrefix(prefix) : error;
  }
}

/** A finite number `>= min` (or `> min` when `exclusive`). */
export function checkNumber(field: string, value: unknown, min: number, exclusive: boolean): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (exclusive ? value > min : value >= min);
  if (!ok) throw new OptionError(field, value, `a finite number ${exclusive ? '>' : '>='} ${min}`);
  return value;
}

/** A finite number in the half-open interval `[0, 1)`, e.g. a decay or momentum coefficient. */
export function checkUnitInterval(field: string, value: unknown): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1;
  if (!ok) throw new OptionError(field, value, 'a number in [0, 1)');
  return value;
}

export function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new OptionError(field, value, 'true or false');
  return value;
}

export function checkOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined)
    throw new OptionError(field, value, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  return found;
}
