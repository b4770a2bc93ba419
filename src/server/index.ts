export { createGrpcServer, type GrpcServer, type GrpcServerOptions } from './grpc-server.js';
export type { Authenticate, CallContext } from './handlers.js';
export { PROTO_ROOT, SERVICE_NAME } from './proto.js';
export type { RunControl, WatchEvent } from './run-control.js';
