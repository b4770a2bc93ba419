import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * gRPC server instruments under the names go-grpc-prometheus uses, so existing Grafana gRPC
 * dashboards work unchanged: `grpc_server_started_total`, `grpc_server_handled_total` (with
 * `grpc_code` as Go prints it, e.g. `InvalidArgument`), `grpc_server_handling_seconds`, and
 * `grpc_server_msg_sent_total` for streams.
 */
export interface GrpcMetrics {
  readonly started: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  readonly handled: Counter<'grpc_type' | 'grpc_service' | 'grpc_method' | 'grpc_code'>;
  readonly handlingSeconds: Histogram<'grpc_type' | 'grpc_service' | 'grpc_method'>;
  readonly msgSent: Counter<'grpc_type' | 'grpc_service' | 'grpc_method'>;
}

export function createGrpcMetrics(registry: Registry): GrpcMetrics {
  const labelNames = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
  return {
    started: new Counter({
      name: 'grpc_server_started_total',
      help: 'Total number of RPCs started on the server.',
      labelNames,
      registers: [registry],
    }),
    handled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'Total number of RPCs completed on the server, regardless of success or failure.',
      labelNames: [...labelNames, 'grpc_code'],
      registers: [registry],
    }),
    handlingSeconds: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    msgSent: new Counter({
      name: 'grpc_server_msg_sent_total',
      help: 'Total number of gRPC stream messages sent by the server.',
      labelNames,
      registers: [registry],
    }),
  };
}
