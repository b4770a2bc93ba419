import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { AppError, type ErrorCode } from '../core/index.js';

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

/**
 * Field paths in messages use the proto's snake_case names (`mlp.batch_size`), whatever the domain
 * calls them, so a client can find the field it sent.
 */
function snakeCasePath(message: string): string {
  const match = /^([A-Za-z0-9_.[\]"-]+): got /.exec(message);
  if (!match?.[1]) return message;
  const path = match[1].replace(/(?<=[a-z0-9])([A-Z])/g, (c) => `_${c.toLowerCase()}`);
  return path + message.slice(match[1].length);
}

/** The one place an error becomes a gRPC status. Unknown errors are INTERNAL with a generic message. */
export function toServiceError(
  error: unknown,
): Partial<ServiceError> & { code: GrpcStatus; details: string } {
  if (error instanceof AppError) {
    const details = error.code === 'INVALID_ARGUMENT' ? snakeCasePath(error.message) : error.message;
    return { code: CODE[error.code], details, metadata: new Metadata() };
  }
  return { code: GrpcStatus.INTERNAL, details: 'internal error', metadata: new Metadata() };
}

/** Whether an error is a server fault that must be logged with its cause. */
export function isServerFault(error: unknown): boolean {
  return !(error instanceof AppError) || error.code === 'INTERNAL';
}
