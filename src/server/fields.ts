import { invalidArgument, LIMITS } from '../core/index.js';

/**
 * Decoding helpers for request fields. Each throws `invalidArgument` naming the field path, the value
 * and what is allowed, so handlers never pass a malformed value further in.
 */

/** An int64 field (proto-loader gives it as a decimal string) within [min, max]. */
export function int64(path: string, raw: string | number | undefined, min: number, max: number): number {
  const text = raw === undefined ? '0' : String(raw);
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidArgument(path, text, `an integer in [${min}, ${max}]`);
  }
  return value;
}

/** An int32 field within [min, max]; `undefined` (unset optional) passes through. */
export function optionalInt(
  path: string,
  raw: number | undefined,
  min: number,
  max: number,
): number | undefined {
  if (raw === undefined) return undefined;
  if (!Number.isInteger(raw) || raw < min || raw > max) {
    throw invalidArgument(path, raw, `an integer in [${min}, ${max}]`);
  }
  return raw;
}

/** A finite double; `undefined` passes through. The range is checked by the domain that owns it. */
export function optionalFinite(path: string, raw: number | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'number' || !Number.isFinite(raw)) throw invalidArgument(path, raw, 'a finite number');
  return raw;
}

/** Maps a proto enum value (string form) onto a domain value; UNSPECIFIED gives `undefined`. */
export function enumValue<T extends string>(
  path: string,
  raw: string | number | undefined,
  mapping: Readonly<Record<string, T>>,
  unspecified: string,
): T | undefined {
  if (raw === undefined || raw === unspecified || raw === 0) return undefined;
  const value = typeof raw === 'string' ? mapping[raw] : undefined;
  if (value === undefined) {
    throw invalidArgument(path, raw, `one of ${[unspecified, ...Object.keys(mapping)].join(', ')}`);
  }
  return value;
}

/**
 * PostgreSQL text cannot hold NUL, so a string with one could never be stored or matched: it is
 * refused here, naming the field, instead of failing in the database.
 */
function refuseNul(path: string, value: string): void {
  if (value.includes('\u0000')) throw invalidArgument(path, value, 'text without NUL (U+0000) characters');
}

const LABEL_KEY = /^[A-Za-z0-9_.\-/]{1,63}$/;
export const MAX_LABELS = LIMITS.maxLabels;
export const MAX_LABEL_VALUE = LIMITS.maxLabelValueLength;
/** What a label key may be, in the words of INVALID_ARGUMENT messages. */
export const LABEL_KEY_ALLOWED = 'a key of 1-63 characters from [A-Za-z0-9_.-/]';

/** Whether `key` is a valid label key: 1..63 characters of [A-Za-z0-9_.-/]. */
export function isLabelKey(key: string): boolean {
  return LABEL_KEY.test(key);
}

/** Labels: at most 32 pairs; keys 1..63 chars of [A-Za-z0-9_.-/]; values at most 256 chars. */
export function labels(
  path: string,
  raw: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const entries = Object.entries(raw ?? {});
  if (entries.length > MAX_LABELS) {
    throw invalidArgument(path, `${entries.length} labels`, `at most ${MAX_LABELS} labels`);
  }
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key))
      throw invalidArgument(`${path}[${JSON.stringify(key)}]`, key, LABEL_KEY_ALLOWED);
    if (typeof value !== 'string' || value.length > MAX_LABEL_VALUE) {
      throw invalidArgument(
        `${path}[${JSON.stringify(key)}]`,
        value,
        `a value of at most ${MAX_LABEL_VALUE} characters`,
      );
    }
    refuseNul(`${path}[${JSON.stringify(key)}]`, value);
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays a label.
  return Object.fromEntries(entries);
}

/** Whether `value` has a C0 or C1 control character: a name is one line of text to show. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/** A run's display name: at most 128 characters, no control characters; "" means none. */
export function displayName(path: string, raw: string | undefined): string {
  const value = raw ?? '';
  if (value.length > LIMITS.maxDisplayNameLength || hasControlCharacter(value)) {
    throw invalidArgument(
      path,
      value,
      `at most ${LIMITS.maxDisplayNameLength} characters, none of them a control character (U+0000-U+001F, U+007F-U+009F)`,
    );
  }
  return value;
}

/** A short free-form string such as request_id. */
export function shortString(path: string, raw: string | undefined, maxLength: number): string {
  const value = raw ?? '';
  if (value.length > maxLength) throw invalidArgument(path, value, `at most ${maxLength} characters`);
  refuseNul(path, value);
  return value;
}

/** A required id. Malformed ids are NOT_FOUND in the data layer; an empty one is a client error here. */
export function requiredId(path: string, raw: string | undefined): string {
  const value = raw ?? '';
  if (value === '') throw invalidArgument(path, value, 'a non-empty id');
  if (value.length > 64) throw invalidArgument(path, value, 'an id of at most 64 characters');
  refuseNul(path, value);
  return value;
}
