import { type CallOptions, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { CancelRunRequest } from '../generated/proto/gradnoise/v1/CancelRunRequest.js';
import type { CancelSweepRequest } from '../generated/proto/gradnoise/v1/CancelSweepRequest.js';
import type { CancelSweepResponse__Output } from '../generated/proto/gradnoise/v1/CancelSweepResponse.js';
import type { DeleteRunRequest } from '../generated/proto/gradnoise/v1/DeleteRunRequest.js';
import type { DeleteRunResponse__Output } from '../generated/proto/gradnoise/v1/DeleteRunResponse.js';
import type { GetCheckpointRequest } from '../generated/proto/gradnoise/v1/GetCheckpointRequest.js';
import type { GetCheckpointResponse__Output } from '../generated/proto/gradnoise/v1/GetCheckpointResponse.js';
import type { GetRunMetricsRequest } from '../generated/proto/gradnoise/v1/GetRunMetricsRequest.js';
import type { GetRunMetricsResponse__Output } from '../generated/proto/gradnoise/v1/GetRunMetricsResponse.js';
import type { GetRunRequest } from '../generated/proto/gradnoise/v1/GetRunRequest.js';
import type { GetSweepCurvesRequest } from '../generated/proto/gradnoise/v1/GetSweepCurvesRequest.js';
import type { GetSweepRequest } from '../generated/proto/gradnoise/v1/GetSweepRequest.js';
import type { ListCheckpointsRequest } from '../generated/proto/gradnoise/v1/ListCheckpointsRequest.js';
import type { ListCheckpointsResponse__Output } from '../generated/proto/gradnoise/v1/ListCheckpointsResponse.js';
import type { ListRunsRequest } from '../generated/proto/gradnoise/v1/ListRunsRequest.js';
import type { ListRunsResponse__Output } from '../generated/proto/gradnoise/v1/ListRunsResponse.js';
import type { ListSweepRunsRequest } from '../generated/proto/gradnoise/v1/ListSweepRunsRequest.js';
import type { ListSweepRunsResponse__Output } from '../generated/proto/gradnoise/v1/ListSweepRunsResponse.js';
import type { ListSweepsRequest } from '../generated/proto/gradnoise/v1/ListSweepsRequest.js';
import type { ListSweepsResponse__Output } from '../generated/proto/gradnoise/v1/ListSweepsResponse.js';
import type { ListTrainersRequest } from '../generated/proto/gradnoise/v1/ListTrainersRequest.js';
import type { ListTrainersResponse__Output } from '../generated/proto/gradnoise/v1/ListTrainersResponse.js';
import type { Run__Output } from '../generated/proto/gradnoise/v1/Run.js';
import type { StartRunRequest } from '../generated/proto/gradnoise/v1/StartRunRequest.js';
import type { StartSweepRequest } from '../generated/proto/gradnoise/v1/StartSweepRequest.js';
import type { StreamMetricsRequest } from '../generated/proto/gradnoise/v1/StreamMetricsRequest.js';
import type { StreamMetricsResponse__Output } from '../generated/proto/gradnoise/v1/StreamMetricsResponse.js';
import type { Sweep__Output } from '../generated/proto/gradnoise/v1/Sweep.js';
import type { SweepCurves__Output } from '../generated/proto/gradnoise/v1/SweepCurves.js';
import type { SweepServiceClient } from '../generated/proto/gradnoise/v1/SweepService.js';
import type { TrainingServiceClient } from '../generated/proto/gradnoise/v1/TrainingService.js';
import type { UpdateRunRequest } from '../generated/proto/gradnoise/v1/UpdateRunRequest.js';
import { type LoadedApi, loadApi } from '../protocol/index.js';

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, response?: Res) => void,
) => unknown;

/** A server stream as grpc-js returns it: readable messages, cancellable. */
export interface MessageStream<T> extends AsyncIterable<T> {
  cancel(): void;
}

/** Calls a unary method of `client` and resolves with its answer (rejects with the ServiceError). */
export function unaryCall<C, Req, Res>(
  client: C,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata,
  options: CallOptions = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, options, (error, response) => {
      if (error) reject(error);
      else if (response === undefined) reject(new Error('empty response'));
      else resolve(response);
    });
  });
}

/** Reads a whole server stream into an array (rejects with the stream's error). */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** Call metadata carrying `authorization: Bearer <token>` when a token is given. */
export function bearerMetadata(token: string | undefined): Metadata {
  const metadata = new Metadata();
  if (token !== undefined && token !== '') metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** Promise versions of the TrainingService RPCs; streams as async iterables. */
export function trainingApi(client: TrainingServiceClient, metadata: Metadata = new Metadata()) {
  const unary =
    <Req, Res>(method: UnaryMethod<Req, Res>) =>
    (request: Req) =>
      unaryCall(client, method, request, metadata);
  return {
    startRun: unary<StartRunRequest, Run__Output>(client.StartRun),
    getRun: unary<GetRunRequest, Run__Output>(client.GetRun),
    listRuns: unary<ListRunsRequest, ListRunsResponse__Output>(client.ListRuns),
    cancelRun: unary<CancelRunRequest, Run__Output>(client.CancelRun),
    updateRun: unary<UpdateRunRequest, Run__Output>(client.UpdateRun),
    deleteRun: unary<DeleteRunRequest, DeleteRunResponse__Output>(client.DeleteRun),
    listTrainers: unary<ListTrainersRequest, ListTrainersResponse__Output>(client.ListTrainers),
    listCheckpoints: unary<ListCheckpointsRequest, ListCheckpointsResponse__Output>(client.ListCheckpoints),
    getRunMetrics: unary<GetRunMetricsRequest, GetRunMetricsResponse__Output>(client.GetRunMetrics),
    streamMetrics: (request: StreamMetricsRequest): MessageStream<StreamMetricsResponse__Output> =>
      client.StreamMetrics(request, metadata),
    getCheckpoint: (request: GetCheckpointRequest): MessageStream<GetCheckpointResponse__Output> =>
      client.GetCheckpoint(request, metadata),
  };
}

/** Promise versions of the SweepService RPCs. */
export function sweepApi(client: SweepServiceClient, metadata: Metadata = new Metadata()) {
  const unary =
    <Req, Res>(method: UnaryMethod<Req, Res>) =>
    (request: Req) =>
      unaryCall(client, method, request, metadata);
  return {
    startSweep: unary<StartSweepRequest, Sweep__Output>(client.StartSweep),
    getSweep: unary<GetSweepRequest, Sweep__Output>(client.GetSweep),
    listSweepRuns: unary<ListSweepRunsRequest, ListSweepRunsResponse__Output>(client.ListSweepRuns),
    getSweepCurves: unary<GetSweepCurvesRequest, SweepCurves__Output>(client.GetSweepCurves),
    listSweeps: unary<ListSweepsRequest, ListSweepsResponse__Output>(client.ListSweeps),
    cancelSweep: unary<CancelSweepRequest, CancelSweepResponse__Output>(client.CancelSweep),
  };
}

export type TrainingApi = ReturnType<typeof trainingApi>;
export type SweepApi = ReturnType<typeof sweepApi>;

/** Both services on one channel target, with the caller's credentials attached to every call. */
export interface Connection {
  readonly api: LoadedApi;
  readonly training: TrainingApi;
  readonly sweeps: SweepApi;
  close(): void;
}

export interface ConnectOptions {
  /** `host:port` of the server. */
  readonly target: string;
  /** Sent as `authorization: Bearer <token>` when set. */
  readonly token?: string;
}

/** Opens insecure channels to both services (clients connect lazily, on the first call). */
export function connect(options: ConnectOptions): Connection {
  const api = loadApi();
  const v1 = api.grpc.gradnoise.v1;
  const training = new v1.TrainingService(options.target, credentials.createInsecure());
  const sweeps = new v1.SweepService(options.target, credentials.createInsecure());
  const metadata = bearerMetadata(options.token);
  return {
    api,
    training: trainingApi(training, metadata),
    sweeps: sweepApi(sweeps, metadata),
    close() {
      training.close();
      sweeps.close();
    },
  };
}
