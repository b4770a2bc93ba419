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

/**
 * The request field an INVALID_ARGUMENT is about, as `google.rpc.BadRequest.FieldViolation`: the
 * field path as the domain spells it (the server writes it in the proto's snake_case) and what is
 * wrong with it, e.g. `{ field: 'noise.eta', description: 'got -1; allowed: a finite number >= 0' }`.
 */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

/**
 * The limit a RESOURCE_EXHAUSTED ran into, as `google.rpc.QuotaFailure.Violation`: whose quota
 * (`project:<name>`, `client:<id>`, `run:<id>`) and the human explanation.
 */
export interface QuotaViolation {
  readonly subject: string;
  readonly description: string;
}

export interface AppErrorOptions {
  readonly cause?: unknown;
  /** For INVALID_ARGUMENT: the field, kept apart from the message so no one parses it back out. */
  readonly fieldViolation?: FieldViolation;
  /** For RESOURCE_EXHAUSTED: the quota that was exceeded. */
  readonly quotaViolation?: QuotaViolation;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly fieldViolation: FieldViolation | undefined;
  readonly quotaViolation: QuotaViolation | undefined;

  constructor(code: ErrorCode, message: string, options?: AppErrorOptions) {
    super(message, options !== undefined && 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.fieldViolation = options?.fieldViolation;
    this.quotaViolation = options?.quotaViolation;
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
export function invalidArgument(
  field: string,
  value: unknown,
  allowed: string,
  options?: { cause?: unknown },
): AppError {
  const description = `got ${describeValue(value)}; allowed: ${allowed}`;
  return new AppError('INVALID_ARGUMENT', `${field}: ${description}`, {
    ...options,
    fieldViolation: { field, description },
  });
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

/**
 * `error` with `prefix` in front of its field path when it is an INVALID_ARGUMENT; else `error`.
 * One that names no field (a data file's content, say) is about the prefix's field itself: its
 * violation names that field (`mlp.` gives `mlp`) and keeps the whole message as the description.
 */
export function prefixFieldError(prefix: string, error: unknown): unknown {
  if (error instanceof AppError && error.code === 'INVALID_ARGUMENT') {
    const inner = error.fieldViolation;
    const fieldViolation: FieldViolation =
      inner === undefined
        ? { field: prefix.replace(/\.$/, ''), description: error.message }
        : { field: `${prefix}${inner.field}`, description: inner.description };
    return new AppError('INVALID_ARGUMENT', `${prefix}${error.message}`, { cause: error, fieldViolation });
  }
  return error;
}
