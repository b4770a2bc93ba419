const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `value` is a canonical uuid. Used where a malformed id must be dropped before a query
 * rather than fail it (a list of ids, a filter); single-id lookups rely on the database's own
 * check, which `toAppError` turns into NOT_FOUND.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
