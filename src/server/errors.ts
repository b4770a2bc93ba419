import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { AppError, type ErrorCode, type FieldViolation, type QuotaViolation } from '../core/index.js';
import { encodeStatusDetails, STATUS_DETAILS_KEY } from '../protocol/index.js';

const CODE: Readonly<Record<ErrorCode, GrpcStatus>> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  CANCELLED: GrpcStatus.CANCELLED,
  ABORTED: GrpcStatus.ABORTED,
  INTERNAL: GrpcStatus.INTERNAL,
};

/** Names of gRPC codes as Go prints them, the values Grafana's gRPC dashboards filter on. */
const GO_NAMES: Readonly<Record<number, string>> = {
  0: 'OK',
  1: 'Canceled',
  2: 'Unknown',
  3: 'InvalidArgument',
  4: 'DeadlineExceeded',
  5: 'NotFound',
  6: 'AlreadyExists',
  7: 'PermissionDenied',
  8: 'ResourceExhausted',
  9: 'FailedPrecondition',
  10: 'Aborted',
  11: 'OutOfRange',
  12: 'Unimplemented',
  13: 'Internal',
  14: 'Unavailable',
  15: 'DataLoss',
  16: 'Unauthenticated',
};

export function codeName(code: GrpcStatus): string {
  return GO_NAMES[code] ?? String(code);
}

/** A domain field path in the proto's snake_case (`mlp.batchSize` → `mlp.batch_size`). */
function snakeCase(path: string): string {
  return path.replace(/(?<=[a-z0-9])([A-Z])/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Field paths in messages use the proto's snake_case names (`mlp.batch_size`), whatever the domain
 * calls them, so a client can find the field it sent.
 */
function snakeCasePath(message: string): string {
  const match = /^([A-Za-z0-9_.[\]"-]+): got /.exec(message);
  if (!match?.[1]) return message;
  return snakeCase(match[1]) + message.slice(match[1].length);
}

/**
 * The BadRequest violation of an INVALID_ARGUMENT: the field the error carries, in snake_case as
 * the message names it. One raised without a field (a database refusing text, say) is about the
 * request as a whole: field `""`, the message as the description.
 */
function fieldViolation(error: AppError, message: string): FieldViolation {
  const v = error.fieldViolation;
  return v === undefined ? { field: '', description: message } : { ...v, field: snakeCase(v.field) };
}

function quotaViolation(error: AppError): QuotaViolation {
  return error.quotaViolation ?? { subject: '', description: error.message };
}

/**
 * The `google.rpc.Status` trailer (`grpc-status-details-bin`) of an error: a BadRequest for
 * INVALID_ARGUMENT, a QuotaFailure for RESOURCE_EXHAUSTED; other codes send none.
 */
function statusDetails(error: AppError, code: GrpcStatus, message: string): Metadata {
  const metadata = new Metadata();
  if (error.code !== 'INVALID_ARGUMENT' && error.code !== 'RESOURCE_EXHAUSTED') return metadata;
  const bytes = encodeStatusDetails({
    code,
    message,
    fieldViolations: error.code === 'INVALID_ARGUMENT' ? [fieldViolation(error, message)] : [],
    quotaViolations: error.code === 'RESOURCE_EXHAUSTED' ? [quotaViolation(error)] : [],
  });
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(bytes));
  return metadata;
}

/**
 * The one place an error becomes a gRPC status. Unknown errors are INTERNAL with a generic message.
 * INVALID_ARGUMENT and RESOURCE_EXHAUSTED also carry their `google.rpc` details (see
 * src/protocol/status-details.ts); the human message is the same either way.
 */
export function toServiceError(
  error: unknown,
): Partial<ServiceError> & { code: GrpcStatus; details: string } {
  if (error instanceof AppError) {
    const code = CODE[error.code];
    const details = error.code === 'INVALID_ARGUMENT' ? snakeCasePath(error.message) : error.message;
    return { code, details, metadata: statusDetails(error, code, details) };
  }
  return { code: GrpcStatus.INTERNAL, details: 'internal error', metadata: new Metadata() };
}

/** Whether an error is a server fault that must be logged with its cause. */
export function isServerFault(error: unknown): boolean {
  return !(error instanceof AppError) || error.code === 'INTERNAL';
}
