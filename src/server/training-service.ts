import type { Server } from '@grpc/grpc-js';
import { invalidArgument } from '../core/index.js';
import type { GetCheckpointResponse } from '../generated/proto/gradnoise/v1/GetCheckpointResponse.js';
import type { ListRunsResponse } from '../generated/proto/gradnoise/v1/ListRunsResponse.js';
import type { ListTrainersResponse } from '../generated/proto/gradnoise/v1/ListTrainersResponse.js';
import type { StreamMetricsResponse } from '../generated/proto/gradnoise/v1/StreamMetricsResponse.js';
import type { TrainingServiceHandlers } from '../generated/proto/gradnoise/v1/TrainingService.js';
import { RUN_STATUS_BY_WIRE_NAME, wireRunStatus } from '../protocol/index.js';
import {
  type CheckpointDownloadDeps,
  type CheckpointListDeps,
  compileRunSpec,
  type DataRootPolicy,
  deleteRun,
  listCheckpoints,
  openCheckpointDownload,
  type RunDeleteDeps,
  type RunMetricsDeps,
  type RunUpdateDeps,
  readRunMetrics,
  type StartRunDeps,
  startRun,
  updateRun,
  withDeclaredSummaries,
} from '../runs/index.js';
import type { RunRepository } from '../store/types.js';
import { RESERVED_LABEL_KEYS } from '../sweeps/index.js';
import { builtinTrainers, type TrainerRegistry } from '../trainers/index.js';
import {
  decodeStartRun,
  decodeUpdateRun,
  encodeCheckpointChunk,
  encodeCheckpointList,
  encodeCheckpointMeta,
  encodeRun,
  encodeRunDeletion,
  encodeRunMetrics,
  encodeSpec,
  encodeTrainerInfo,
  timestampFromMs,
} from './codec/index.js';
import { enumValue, int64, requiredId, shortString } from './fields.js';
import { type HandlerDeps, serverStream, unary } from './handlers.js';
import { decodeMetricNames, decodeRunMetricsRequest } from './metrics-request.js';
import { decodePaging } from './paging.js';
import type { LoadedProtos } from './proto.js';
import type { RunControl } from './run-control.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * The part of the store the TrainingService uses: run reads for GetRun, ListRuns and StreamMetrics,
 * and what its use cases (`startRun`, `updateRun`, `deleteRun`, `openCheckpointDownload`) declare.
 * src/main.ts passes its Store.
 */
export interface TrainingStore {
  readonly runs: Pick<RunRepository, 'get' | 'list'> &
    StartRunDeps['runs'] &
    CheckpointDownloadDeps['runs'] &
    RunUpdateDeps['runs'] &
    RunDeleteDeps['runs'];
  readonly checkpoints: CheckpointDownloadDeps['checkpoints'] &
    CheckpointListDeps['checkpoints'] &
    StartRunDeps['checkpoints'];
  /** GetRunMetrics, and the summaries on the Run of GetRun and ListRuns. */
  readonly metrics: RunMetricsDeps['metrics'];
}

export interface TrainingServiceDeps extends HandlerDeps {
  readonly store: TrainingStore;
  readonly runs: RunControl;
  /** Per-project limit of QUEUED runs (soft, see QueueQuota): StartRun beyond it is refused. None: no limit. */
  readonly queueQuota?: StartRunDeps['admission'];
  /** What a run may read: bounds StartRun's compilation and preflight (the service's policy). */
  readonly dataRoots: DataRootPolicy;
  /** The service's trainers (built-ins and plugins): StartRun and ListTrainers. Default: the built-ins. */
  readonly trainers?: TrainerRegistry;
}

/**
 * The `gradnoise.v1.TrainingService` handlers. Each one decodes its request, calls one use case and
 * encodes the answer; validation errors name the field (see `fields.ts`), errors map to gRPC status
 * in `errors.ts`, and metrics are recorded by the wrappers in `handlers.ts`.
 */
export function createTrainingServiceHandlers(deps: TrainingServiceDeps): TrainingServiceHandlers {
  const { store, runs } = deps;
  const trainers = deps.trainers ?? builtinTrainers;
  const declared = { metrics: store.metrics, trainers };
  const starts: StartRunDeps = {
    runs: store.runs,
    checkpoints: store.checkpoints,
    wake: () => runs.wake(),
    dataRoots: deps.dataRoots,
    trainers,
    ...(deps.queueQuota !== undefined ? { admission: deps.queueQuota } : {}),
  };
  return {
    StartRun: unary(deps, 'StartRun', async (request, ctx) => {
      const { run } = await startRun(starts, { project: ctx.project, ...decodeStartRun(request, trainers) });
      return encodeRun(run);
    }),

    GetRun: unary(deps, 'GetRun', async (request, ctx) => {
      const run = await store.runs.get(ctx.project, requiredId('run_id', request.runId));
      const [shown] = await withDeclaredSummaries(declared, [run]);
      return encodeRun(run, shown?.summaries);
    }),

    ListRuns: unary(deps, 'ListRuns', async (request, ctx): Promise<ListRunsResponse> => {
      const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : request.pageSize;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
        throw invalidArgument(
          'page_size',
          request.pageSize,
          `an integer in [0, ${MAX_PAGE_SIZE}] (0: ${DEFAULT_PAGE_SIZE})`,
        );
      }
      const statuses = request.statuses.map((s, i) => {
        const value = enumValue(`statuses[${i}]`, s, RUN_STATUS_BY_WIRE_NAME, 'RUN_STATUS_UNSPECIFIED');
        if (value === undefined)
          throw invalidArgument(
            `statuses[${i}]`,
            s,
            `one of ${Object.keys(RUN_STATUS_BY_WIRE_NAME).join(', ')}`,
          );
        return value;
      });
      const trainer = shortString('trainer', request.trainer, 64);
      const sweepId = shortString('sweep_id', request.sweepId, 64);
      const page = await store.runs.list(
        {
          project: ctx.project,
          ...(statuses.length > 0 ? { statuses } : {}),
          ...(trainer !== '' ? { trainer } : {}),
          ...(Object.keys(request.labels).length > 0 ? { labels: request.labels } : {}),
          ...(sweepId !== '' ? { sweepId } : {}),
        },
        pageSize,
        shortString('page_token', request.pageToken, 512),
      );
      const shown = await withDeclaredSummaries(declared, page.items);
      return {
        runs: shown.map(({ run, summaries }) => encodeRun(run, summaries)),
        nextPageToken: page.nextPageToken,
      };
    }),

    CancelRun: unary(deps, 'CancelRun', async (request, ctx) =>
      encodeRun(await runs.cancel(ctx.project, requiredId('run_id', request.runId))),
    ),

    UpdateRun: unary(deps, 'UpdateRun', async (request, ctx) =>
      encodeRun(
        await updateRun(
          { runs: store.runs, reservedLabelKeys: RESERVED_LABEL_KEYS },
          { project: ctx.project, ...decodeUpdateRun(request) },
        ),
      ),
    ),

    DeleteRun: unary(deps, 'DeleteRun', async (request, ctx) =>
      encodeRunDeletion(
        await deleteRun(store, { project: ctx.project, runId: requiredId('run_id', request.runId) }),
      ),
    ),

    ListCheckpoints: unary(deps, 'ListCheckpoints', async (request, ctx) => {
      const runId = requiredId('run_id', request.runId);
      const paging = decodePaging(request.pageSize, request.pageToken);
      return encodeCheckpointList(await listCheckpoints(store, { project: ctx.project, runId, ...paging }));
    }),

    GetRunMetrics: unary(deps, 'GetRunMetrics', async (request, ctx) =>
      encodeRunMetrics(
        await readRunMetrics(store, { project: ctx.project, ...decodeRunMetricsRequest(request) }),
      ),
    ),

    ListTrainers: unary(
      deps,
      'ListTrainers',
      async (): Promise<ListTrainersResponse> => ({
        trainers: trainers
          .list()
          .map((trainer) =>
            encodeTrainerInfo(
              trainer,
              encodeSpec(compileRunSpec({ trainer: trainer.name }, deps.dataRoots, trainers)),
            ),
          ),
      }),
    ),

    StreamMetrics: serverStream<
      Parameters<TrainingServiceHandlers['StreamMetrics']>[0]['request'],
      StreamMetricsResponse
    >(deps, 'StreamMetrics', async (request, writer, ctx) => {
      const runId = requiredId('run_id', request.runId);
      const sinceStep = int64('since_step', request.sinceStep, 0, Number.MAX_SAFE_INTEGER);
      const names = decodeMetricNames(request.names);
      const run = await store.runs.get(ctx.project, runId);
      for await (const event of runs.watch(run, { sinceStep, names, signal: writer.signal })) {
        if (event.kind === 'points') {
          await writer.write({
            points: event.points.map((p) => ({
              step: p.step,
              name: p.name,
              value: p.value,
              time: timestampFromMs(p.timeMs),
            })),
            status: wireRunStatus(event.status),
            final: false,
          });
        } else {
          await writer.write({ points: [], status: wireRunStatus(event.status), final: true });
          return;
        }
      }
    }),

    GetCheckpoint: serverStream<
      Parameters<TrainingServiceHandlers['GetCheckpoint']>[0]['request'],
      GetCheckpointResponse
    >(deps, 'GetCheckpoint', async (request, writer, ctx) => {
      const download = await openCheckpointDownload(store, {
        project: ctx.project,
        runId: requiredId('run_id', request.runId),
        step: int64('step', request.step, 0, Number.MAX_SAFE_INTEGER),
        offset: int64('offset', request.offset, 0, Number.MAX_SAFE_INTEGER),
      });
      await writer.write(encodeCheckpointMeta(download.meta));
      for await (const chunk of download.chunks()) {
        await writer.write(encodeCheckpointChunk(download.meta.step, chunk));
      }
    }),
  };
}

/** Registers the TrainingService on a grpc-js server. */
export function addTrainingService(server: Server, protos: LoadedProtos, deps: TrainingServiceDeps): void {
  server.addService(protos.trainingService, createTrainingServiceHandlers(deps));
}
