#!/usr/bin/env node
// gRPC health probe for the container HEALTHCHECK (Dockerfile) and anyone without grpc_health_probe.
//
//   node scripts/healthcheck.mjs [service]
//
// Calls grpc.health.v1.Health/Check on GRADNOISE_HEALTH_TARGET (default 127.0.0.1:$GRADNOISE_GRPC_PORT,
// port 50051 when unset) for `service` (default "", the whole server). Exit codes: 0 only when the answer
// is SERVING; 1 for any other status (NOT_SERVING while starting or draining, SERVICE_UNKNOWN) or any
// failure to get an answer within GRADNOISE_HEALTH_TIMEOUT_MS (default 3000). One line on stdout or stderr
// says which, so `docker inspect` shows why a container is unhealthy.
import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

const port = process.env.GRADNOISE_GRPC_PORT?.trim() || '50051';
const target = process.env.GRADNOISE_HEALTH_TARGET?.trim() || `127.0.0.1:${port}`;
const timeoutMs = Number(process.env.GRADNOISE_HEALTH_TIMEOUT_MS?.trim() || '3000');
const serviceName = process.argv[2] ?? '';

const Health = makeGenericClientConstructor(healthService, 'Health');
const client = new Health(target, credentials.createInsecure());

client.Check(
  { service: serviceName },
  { deadline: Date.now() + (Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 3000) },
  (error, response) => {
    client.close();
    if (error) {
      console.error(`unhealthy: ${target} ${error.details || error.message}`);
      process.exit(1);
    }
    const status = response?.status;
    if (status === 'SERVING' || status === 1) {
      console.log(`healthy: ${target} "${serviceName}" SERVING`);
      process.exit(0);
    }
    console.error(`unhealthy: ${target} "${serviceName}" ${String(status)}`);
    process.exit(1);
  },
);
