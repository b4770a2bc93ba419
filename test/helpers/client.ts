import { credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { loadApi, type SweepApi, sweepApi } from '../../src/client/index.js';
import type { CancelRunRequest } from '../../src/generated/proto/gradnoise/v1/CancelRunRequest.js';
import type { GetCheckpointRequest } from '../../src/generated/proto/gradnoise/v1/GetCheckpointRequest.js';
import type { GetCheckpointResponse__Output } from '../../src/generated/proto/gradnoise/v1/GetCheckpointResponse.js';
import type { GetRunRequest } from '../../src/generated/proto/gradnoise/v1/GetRunRequest.js';
import type { ListRunsRequest } from '../../src/generated/proto/gradnoise/v1/ListRunsRequest.js';
import type { ListRunsResponse__Output } from '../../src/generated/proto/gradnoise/v1/ListRunsResponse.js';
import type { ListTrainersRequest } from '../../src/generated/proto/gradnoise/v1/ListTrainersRequest.js';
import type { ListTrainersResponse__Output } from '../../src/generated/proto/gradnoise/v1/ListTrainersResponse.js';
import type { Run__Output } from '../../src/generated/proto/gradnoise/v1/Run.js';
import type { StartRunRequest } from '../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import type { StreamMetricsRequest } from '../../src/generated/proto/gradnoise/v1/StreamMetricsRequest.js';
import type { StreamMetricsResponse__Output } from '../../src/generated/proto/gradnoise/v1/StreamMetricsResponse.js';
import type { SweepServiceClient } from '../../src/generated/proto/gradnoise/v1/SweepService.js';
import type { TrainingServiceClient } from '../../src/generated/proto/gradnoise/v1/TrainingService.js';
import type { ProtoGrpcType } from '../../src/generated/proto/training.js';
import { LOADER_OPTIONS } from '../../src/server/proto.js';

/** A real grpc-js client of the TrainingService, as any Node user would make one. */
export function createClient(address: string): TrainingServiceClient {
  const definition = loadSync('gradnoise/v1/training.proto', LOADER_OPTIONS);
  const proto = loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  return new proto.gradnoise.v1.TrainingService(address, credentials.createInsecure());
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  callback: (error: ServiceError | null, response?: Res) => void,
) => unknown;

/** Promisified unary call. */
export function call<Req, Res>(
  client: TrainingServiceClient,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, (error, response) => {
      if (error) reject(error);
      else if (response === undefined) reject(new Error('empty response'));
      else resolve(response);
    });
  });
}

/** Reads a whole server stream into an array (rejects with the stream's error). */
export function collect<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on('data', (item: T) => items.push(item));
    stream.on('error', reject);
    stream.on('end', () => resolve(items));
  });
}

/** Promise versions of the unary RPCs and collected streams, with optional call metadata. */
export function api(client: TrainingServiceClient, metadata: Metadata = new Metadata()) {
  const unary =
    <Req, Res>(method: UnaryMethod<Req, Res>) =>
    (request: Req) =>
      call(client, method, request, metadata);
  return {
    startRun: unary<StartRunRequest, Run__Output>(client.StartRun),
    getRun: unary<GetRunRequest, Run__Output>(client.GetRun),
    listRuns: unary<ListRunsRequest, ListRunsResponse__Output>(client.ListRuns),
    cancelRun: unary<CancelRunRequest, Run__Output>(client.CancelRun),
    listTrainers: unary<ListTrainersRequest, ListTrainersResponse__Output>(client.ListTrainers),
    streamMetrics: (request: StreamMetricsRequest) =>
      collect<StreamMetricsResponse__Output>(client.StreamMetrics(request, metadata)),
    getCheckpoint: (request: GetCheckpointRequest) =>
      collect<GetCheckpointResponse__Output>(client.GetCheckpoint(request, metadata)),
  };
}

/** Waits for a run to reach one of `statuses`, polling GetRun. */
export async function waitForStatus(
  client: TrainingServiceClient,
  runId: string,
  statuses: readonly string[],
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
