import type { ServiceError } from '@grpc/grpc-js';
import { expect } from 'vitest';
import { decodeStatusDetails, STATUS_DETAILS_KEY } from '../../src/protocol/index.js';

/**
 * The one `google.rpc.BadRequest` field violation of an INVALID_ARGUMENT, decoded from the
 * `grpc-status-details-bin` trailer a real client received; the message must read
 * `<field>: <description>`.
 */
export function fieldViolation(error: ServiceError): {
  readonly field: string;
  readonly description: string;
} {
  const values = error.metadata?.get(STATUS_DETAILS_KEY) ?? [];
  expect(values).toHaveLength(1);
  const decoded = decodeStatusDetails(values[0] as Buffer);
  expect(decoded.code).toBe(error.code);
  expect(decoded.fieldViolations).toHaveLength(1);
  const [violation] = decoded.fieldViolations;
  if (violation === undefined) throw new Error('no field violation');
  expect(error.details).toBe(`${violation.field}: ${violation.description}`);
  return violation;
}
