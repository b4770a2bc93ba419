import { type ChannelCredentials, Client, credentials, Metadata, type StatusObject } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { loadApi } from '../../../src/client/index.js';

/** One RPC of the API, as a path a raw client can call. */
export interface ApiMethod {
  /** e.g. `gradnoise.v1.TrainingService`. */
  readonly service: string;
  /** e.g. `StartRun`. */
  readonly name: string;
  /** e.g. `/gradnoise.v1.TrainingService/StartRun`. */
  readonly path: string;
  readonly responseStream: boolean;
  /** Fully qualified request message type, e.g. `gradnoise.v1.StartRunRequest`. */
  readonly requestType: string;
}

interface MethodShape {
  readonly path: string;
  readonly responseStream: boolean;
  readonly requestType: { readonly type: { readonly name: string } };
}

/** Every RPC of every gradnoise service, read from the protos (nothing hard-coded). */
export function apiMethods(definition: PackageDefinition = loadApi().definition): ApiMethod[] {
  const out: ApiMethod[] = [];
  for (const [service, value] of Object.entries(definition)) {
    if (!service.startsWith('gradnoise.') || 'format' in value) continue;
    for (const [name, method] of Object.entries(value as unknown as Record<string, MethodShape>)) {
      const pkg = service.slice(0, service.lastIndexOf('.'));
      out.push({
        service,
        name,
        path: method.path,
        responseStream: method.responseStream,
        requestType: `${pkg}.${method.requestType.type.name}`,
      });
    }
  }
  return out;
}

/** How a raw call ended. */
export interface RawOutcome {
  readonly code: number;
  readonly details: string;
  readonly responses: readonly Buffer[];
}

const identity = (b: Buffer): Buffer => b;

/**
 * A grpc-js client that sends arbitrary bytes as the request of any method path, so a test can send
 * what no generated client would (truncated or garbage protobuf).
 */
export class RawClient {
  private readonly client: Client;

  constructor(address: string, channelCredentials: ChannelCredentials = credentials.createInsecure()) {
    this.client = new Client(address, channelCredentials);
  }

  call(
    method: Pick<ApiMethod, 'path' | 'responseStream'>,
    request: Buffer,
    metadata: Metadata = new Metadata(),
    timeoutMs = 30_000,
  ): Promise<RawOutcome> {
    const deadline = Date.now() + timeoutMs;
    if (!method.responseStream) {
      return new Promise((resolve) => {
        this.client.makeUnaryRequest(
          method.path,
          identity,
          identity,
          request,
          metadata,
          { deadline },
          (error, value) => {
            resolve(
              error
                ? { code: error.code, details: error.details, responses: [] }
                : { code: 0, details: '', responses: value === undefined ? [] : [value] },
            );
          },
        );
      });
    }
    return new Promise((resolve) => {
      const responses: Buffer[] = [];
      const stream = this.client.makeServerStreamRequest(method.path, identity, identity, request, metadata, {
        deadline,
      });
      stream.on('data', (chunk: Buffer) => responses.push(chunk));
      stream.on('error', () => {});
      stream.on('status', (s: StatusObject) => resolve({ code: s.code, details: s.details, responses }));
    });
  }

  /** A bidirectional call (server reflection): writes each request, half-closes, collects. */
  bidi(path: string, requests: readonly Buffer[], metadata: Metadata = new Metadata()): Promise<RawOutcome> {
    return new Promise((resolve) => {
      const responses: Buffer[] = [];
      const stream = this.client.makeBidiStreamRequest(path, identity, identity, metadata, {
        deadline: Date.now() + 30_000,
      });
      stream.on('data', (chunk: Buffer) => responses.push(chunk));
      stream.on('error', () => {});
      stream.on('status', (s: StatusObject) => resolve({ code: s.code, details: s.details, responses }));
      for (const r of requests) stream.write(r);
      stream.end();
    });
  }

  close(): void {
    this.client.close();
  }
}

/** `authorization: Bearer <token>` metadata. */
export function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}
