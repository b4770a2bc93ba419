import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { AppError } from '../core/index.js';

const MALFORMED: unique symbol = Symbol('gradnoise.malformedRequest');

/** What a method receives instead of a request whose bytes did not decode. */
interface MalformedRequest {
  readonly [MALFORMED]: string;
}

/**
 * The service with every request decoder made tolerant. grpc-js answers a request that does not
 * decode (truncated or garbage protobuf bytes) with INTERNAL, which would call a client's mistake
 * a server fault; here a failed decode hands the handler a marker instead, and
 * {@link assertWellFormed} turns it into INVALID_ARGUMENT.
 */
export function tolerantDecoding<T>(service: ServiceDefinition<T>): ServiceDefinition<T> {
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries<MethodDefinition<unknown, unknown>>(service)) {
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          const marker: MalformedRequest = { [MALFORMED]: reason.slice(0, 200) };
          return marker;
        }
      },
    };
  }
  return out as ServiceDefinition<T>;
}

/** Throws INVALID_ARGUMENT when `request` is the marker of a request that did not decode. */
export function assertWellFormed(method: string, request: unknown): void {
  if (typeof request === 'object' && request !== null && MALFORMED in request) {
    const reason = (request as MalformedRequest)[MALFORMED];
    const description = `got bytes that are not a valid ${method} request message (${reason})`;
    throw new AppError('INVALID_ARGUMENT', `request: ${description}`, {
      fieldViolation: { field: 'request', description },
    });
  }
}
