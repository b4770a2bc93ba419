import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import type { FieldViolation, QuotaViolation } from '../core/index.js';

/**
 * The rich error model of gRPC (https://google.aip.dev/193): a `google.rpc.Status` whose `details`
 * hold a `google.rpc.BadRequest` (INVALID_ARGUMENT) or a `google.rpc.QuotaFailure`
 * (RESOURCE_EXHAUSTED), sent binary in the `grpc-status-details-bin` trailer. The server encodes
 * it; clients decode it (grpcio-status's `rpc_status.from_call`, Go's `status.FromError(...).Details()`
 * and this module's {@link decodeStatusDetails} all read the same bytes).
 *
 * The `.proto` files are googleapis' own, as npm `google-proto-files` ships them; protobufjs
 * bundles the `google/protobuf/*` files they import.
 */

/** The trailer gRPC clients read the rich status from. grpc-js base64s `-bin` values itself. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

export const BAD_REQUEST_TYPE_URL = 'type.googleapis.com/google.rpc.BadRequest';
export const QUOTA_FAILURE_TYPE_URL = 'type.googleapis.com/google.rpc.QuotaFailure';

/** A `google.rpc.Status` as this service sends it. */
export interface StatusDetails {
  readonly code: number;
  readonly message: string;
  /** From a `google.rpc.BadRequest` detail; empty when there is none. */
  readonly fieldViolations: readonly FieldViolation[];
  /** From a `google.rpc.QuotaFailure` detail; empty when there is none. */
  readonly quotaViolations: readonly QuotaViolation[];
}

interface RpcTypes {
  readonly status: protobuf.Type;
  readonly badRequest: protobuf.Type;
  readonly quotaFailure: protobuf.Type;
}

let types: RpcTypes | undefined;

/** Loaded on first use, so a process that never fails a call never parses the protos. */
function rpcTypes(): RpcTypes {
  if (types !== undefined) return types;
  const root = dirname(createRequire(import.meta.url).resolve('google-proto-files/package.json'));
  const loaded = new protobuf.Root().loadSync(
    [join(root, 'google/rpc/status.proto'), join(root, 'google/rpc/error_details.proto')],
    { keepCase: true },
  );
  types = {
    status: loaded.lookupType('google.rpc.Status'),
    badRequest: loaded.lookupType('google.rpc.BadRequest'),
    quotaFailure: loaded.lookupType('google.rpc.QuotaFailure'),
  };
  return types;
}

/**
 * The `google.rpc.Status` bytes for `code` and `message` (the same as the status's own code and
 * message, as the model requires), with one BadRequest and/or one QuotaFailure detail for the
 * violations given.
 */
export function encodeStatusDetails(details: StatusDetails): Uint8Array {
  const { status, badRequest, quotaFailure } = rpcTypes();
  const any: { type_url: string; value: Uint8Array }[] = [];
  if (details.fieldViolations.length > 0) {
    const message = badRequest.fromObject({ field_violations: details.fieldViolations });
    any.push({ type_url: BAD_REQUEST_TYPE_URL, value: badRequest.encode(message).finish() });
  }
  if (details.quotaViolations.length > 0) {
    const message = quotaFailure.fromObject({ violations: details.quotaViolations });
    any.push({ type_url: QUOTA_FAILURE_TYPE_URL, value: quotaFailure.encode(message).finish() });
  }
  const message = status.fromObject({ code: details.code, message: details.message, details: any });
  return status.encode(message).finish();
}

interface DecodedViolations {
  field_violations?: { field?: string; description?: string }[];
  violations?: { subject?: string; description?: string }[];
}

/** Reads `google.rpc.Status` bytes; details of other types are skipped. Throws on malformed bytes. */
export function decodeStatusDetails(bytes: Uint8Array): StatusDetails {
  const { status, badRequest, quotaFailure } = rpcTypes();
  const decoded = status.toObject(status.decode(bytes), { defaults: true }) as {
    code: number;
    message: string;
    details: { type_url: string; value: Uint8Array }[];
  };
  const fieldViolations: FieldViolation[] = [];
  const quotaViolations: QuotaViolation[] = [];
  for (const detail of decoded.details) {
    if (detail.type_url === BAD_REQUEST_TYPE_URL) {
      const body = badRequest.toObject(badRequest.decode(detail.value)) as DecodedViolations;
      for (const v of body.field_violations ?? []) {
        fieldViolations.push({ field: v.field ?? '', description: v.description ?? '' });
      }
    } else if (detail.type_url === QUOTA_FAILURE_TYPE_URL) {
      const body = quotaFailure.toObject(quotaFailure.decode(detail.value)) as DecodedViolations;
      for (const v of body.violations ?? []) {
        quotaViolations.push({ subject: v.subject ?? '', description: v.description ?? '' });
      }
    }
  }
  return { code: decoded.code, message: decoded.message, fieldViolations, quotaViolations };
}
