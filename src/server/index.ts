export { bearerAuthenticate } from './auth.js';
export { serverCredentials, type TlsFiles } from './auth-tls.js';
export {
  createGrpcServer,
  type GrpcServer,
  type GrpcServerOptions,
  type ServerStore,
} from './grpc-server.js';
export type { Authenticate, CallContext, Caller } from './handlers.js';
export { SERVICE_NAME, SWEEP_SERVICE_NAME } from './proto.js';
export type { RunControl, WatchEvent } from './run-control.js';
export { addSweepService, createSweepServiceHandlers, type SweepServiceDeps } from './sweep-service.js';
