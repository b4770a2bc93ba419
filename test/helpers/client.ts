import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { collect, loadApi, type SweepApi, sweepApi, trainingApi } from '../../src/client/index.js';
import type { GetCheckpointRequest } from '../../src/generated/proto/gradnoise/v1/GetCheckpointRequest.js';
import type { Run__Output } from '../../src/generated/proto/gradnoise/v1/Run.js';
import type { StreamMetricsRequest } from '../../src/generated/proto/gradnoise/v1/StreamMetricsRequest.js';
import type { SweepServiceClient } from '../../src/generated/proto/gradnoise/v1/SweepService.js';
import type { TrainingServiceClient } from '../../src/generated/proto/gradnoise/v1/TrainingService.js';
import type { WireRunStatus } from '../../src/protocol/index.js';

/** A real grpc-js client of the TrainingService, as any Node user would make one. */
export function createClient(address: string): TrainingServiceClient {
  const { grpc } = loadApi();
  return new grpc.gradnoise.v1.TrainingService(address, credentials.createInsecure());
}

/**
 * The shared promise client (src/client, the one the CLI uses) with both server streams read to the
 * end into arrays, which is what most assertions want.
 */
export function api(client: TrainingServiceClient, metadata: Metadata = new Metadata()) {
  const calls = trainingApi(client, metadata);
  return {
    ...calls,
    streamMetrics: (request: StreamMetricsRequest) => collect(calls.streamMetrics(request)),
    getCheckpoint: (request: GetCheckpointRequest) => collect(calls.getCheckpoint(request)),
  };
}

/** Waits for a run to reach one of `statuses`, polling GetRun. */
export async function waitForStatus(
  client: TrainingServiceClient,
  runId: string,
  statuses: readonly WireRunStatus[],
  timeoutMs = 60_000,
): Promise<Run__Output> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await api(client).getRun({ runId });
    if (statuses.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A real grpc-js client of the SweepService (src/client) and promise versions of its RPCs. */
export function createSweepClient(
  address: string,
  metadata: Metadata = new Metadata(),
): { readonly client: SweepServiceClient; readonly api: SweepApi } {
  const proto = loadApi().grpc;
  const client = new proto.gradnoise.v1.SweepService(address, credentials.createInsecure());
  return { client, api: sweepApi(client, metadata) };
}

/** The gRPC error a call that must fail rejects with; throws when the call succeeds instead. */
export async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the call succeeded');
}
