/**
 * The one error type of gradnoise. It carries a status code that maps 1:1 onto a gRPC status
 * (see `src/server/errors.ts`) and keeps its `cause`, so the log shows the root problem while the
 * client sees only the message.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'UNAVAILABLE'
  | 'CANCELLED'
  | 'ABORTED'
  | 'INTERNAL';

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Formats a value for an error message: strings quoted, numbers exact, objects as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value === undefined) return 'undefined';
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 80)}…` : json;
  } catch {
    return String(value);
  }
}

/**
 * The error for a bad field: the message names the field path, the value and what is allowed,
 * e.g. `noise.eta: got -1; allowed: a finite number >= 0`.
 */
export function invalidArgument(field: string, value: unknown, allowed: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${field}: got ${describeValue(value)}; allowed: ${allowed}`);
}

export function notFound(what: string, id: string): AppError {
  return new AppError('NOT_FOUND', `${what} ${describeValue(id)} not found`);
}

export function failedPrecondition(message: string): AppError {
  return new AppError('FAILED_PRECONDITION', message);
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * Runs `fn` and re-raises an INVALID_ARGUMENT from it with `prefix` in front of its field path, so a
 * nested domain's `depth: got 0; …` reads `mlp.depth: got 0; …` to the client. Other errors pass.
 */
export function withFieldPrefix<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw prefixFieldError(prefix, error);
  }
}

/** `error` with `prefix` in front of its field path when it is an INVALID_ARGUMENT; else `error`. */
export function prefixFieldError(prefix: string, error: unknown): unknown {
  if (error instanceof AppError && error.code === 'INVALID_ARGUMENT') {
    return new AppError('INVALID_ARGUMENT', `${prefix}${error.message}`, { cause: error });
  }
  return error;
}
