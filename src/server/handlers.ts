import type {
  handleServerStreamingCall,
  handleUnaryCall,
  Metadata,
  ServerUnaryCall,
  ServerWritableStream,
  status,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { codeName, isServerFault, toServiceError } from './errors.js';
import type { GrpcMetrics } from './grpc-metrics.js';
import type { StreamLimiter } from './limits.js';
import { assertWellFormed } from './limits-decode.js';

/** What every handler gets besides its request: who calls, and a logger. */
export interface CallContext {
  /** The caller's project; every query is scoped to it. `default` when authentication is off. */
  readonly project: string;
  /** The caller as limits count it: its token, or its peer address when authentication is off. */
  readonly client: string;
  readonly metadata: Metadata;
  readonly logger: Logger;
}

/** Who calls: the project to scope queries to, and the client limits count against. */
export interface Caller {
  readonly project: string;
  readonly client: string;
}

/**
 * Resolves the caller from metadata and the peer address (authentication, see src/server/auth.ts);
 * throws AppError('UNAUTHENTICATED').
 */
export type Authenticate = (metadata: Metadata, peer: string) => Promise<Caller>;

export interface HandlerDeps {
  readonly service: string;
  readonly metrics: GrpcMetrics;
  readonly logger: Logger;
  readonly authenticate: Authenticate;
  /** Concurrent server streams per client; none: unlimited. */
  readonly streams?: StreamLimiter;
}

const OK = 0 as status;

function finish(deps: HandlerDeps, type: string, method: string, code: status, startNs: bigint): void {
  const labels = { grpc_type: type, grpc_service: deps.service, grpc_method: method };
  deps.metrics.handled.inc({ ...labels, grpc_code: codeName(code) });
  deps.metrics.handlingSeconds.observe(labels, Number(process.hrtime.bigint() - startNs) / 1e9);
}

function report(deps: HandlerDeps, method: string, error: unknown) {
  const mapped = toServiceError(error);
  if (isServerFault(error)) deps.logger.error({ err: error, method }, 'rpc failed with a server fault');
  else deps.logger.debug({ method, code: codeName(mapped.code), details: mapped.details }, 'rpc rejected');
  return mapped;
}

/**
 * Wraps a unary use case: authenticates, calls it, encodes the result or maps the error to its gRPC
 * status in one place, and records the go-grpc-prometheus metrics.
 */
export function unary<Req, Res>(
  deps: HandlerDeps,
  method: string,
  fn: (request: Req, context: CallContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback) => {
    const startNs = process.hrtime.bigint();
    deps.metrics.started.inc({ grpc_type: 'unary', grpc_service: deps.service, grpc_method: method });
    (async () => {
      const caller = await deps.authenticate(call.metadata, call.getPeer());
      assertWellFormed(method, call.request);
      return fn(call.request, { ...caller, metadata: call.metadata, logger: deps.logger });
    })().then(
      (response) => {
        finish(deps, 'unary', method, OK, startNs);
        callback(null, response);
      },
      (error: unknown) => {
        const mapped = report(deps, method, error);
        finish(deps, 'unary', method, mapped.code, startNs);
        callback(mapped);
      },
    );
  };
}

/** The writer a streaming use case gets: `write` resolves once the message is flushed (back-pressure). */
export interface StreamWriter<Res> {
  write(message: Res): Promise<void>;
  /** Aborted when the client cancels or the call ends; use it to free subscriptions. */
  readonly signal: AbortSignal;
}

/** Wraps a server-streaming use case like `unary`; the stream ends when `fn` resolves. */
export function serverStream<Req, Res>(
  deps: HandlerDeps,
  method: string,
  fn: (request: Req, writer: StreamWriter<Res>, context: CallContext) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  return (call: ServerWritableStream<Req, Res>) => {
    const startNs = process.hrtime.bigint();
    const labels = { grpc_type: 'server_stream', grpc_service: deps.service, grpc_method: method };
    deps.metrics.started.inc(labels);
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort());
    call.on('close', () => controller.abort());
    const writer: StreamWriter<Res> = {
      signal: controller.signal,
      write: (message) =>
        new Promise((resolve, reject) => {
          if (controller.signal.aborted) {
            reject(new Error('stream cancelled'));
            return;
          }
          deps.metrics.msgSent.inc(labels);
          if (call.write(message)) resolve();
          else {
            const onDrain = () => {
              controller.signal.removeEventListener('abort', onAbort);
              resolve();
            };
            const onAbort = () => {
              call.removeListener('drain', onDrain);
              reject(new Error('stream cancelled'));
            };
            call.once('drain', onDrain);
            controller.signal.addEventListener('abort', onAbort, { once: true });
          }
        }),
    };
    let release = (): void => {};
    (async () => {
      const caller = await deps.authenticate(call.metadata, call.getPeer());
      assertWellFormed(method, call.request);
      if (deps.streams !== undefined) release = deps.streams.acquire(caller.client);
      await fn(call.request, writer, { ...caller, metadata: call.metadata, logger: deps.logger });
    })()
      .finally(() => release())
      .then(
        () => {
          finish(deps, 'server_stream', method, OK, startNs);
          if (!controller.signal.aborted) call.end();
          controller.abort();
        },
        (error: unknown) => {
          if (controller.signal.aborted && call.cancelled) {
            finish(deps, 'server_stream', method, 1 as status, startNs);
            return;
          }
          const mapped = report(deps, method, error);
          finish(deps, 'server_stream', method, mapped.code, startNs);
          call.emit('error', mapped);
          controller.abort();
        },
      );
  };
}
