import type { Server } from '@grpc/grpc-js';
import type { RunStatus } from '../core/index.js';
import { AppError, invalidArgument, notFound } from '../core/index.js';
import type { GetCheckpointResponse } from '../generated/proto/gradnoise/v1/GetCheckpointResponse.js';
import type { ListRunsResponse } from '../generated/proto/gradnoise/v1/ListRunsResponse.js';
import type { ListTrainersResponse } from '../generated/proto/gradnoise/v1/ListTrainersResponse.js';
import type { Run } from '../generated/proto/gradnoise/v1/Run.js';
import type { StreamMetricsResponse } from '../generated/proto/gradnoise/v1/StreamMetricsResponse.js';
import type { TensorInfo } from '../generated/proto/gradnoise/v1/TensorInfo.js';
import type { TrainingServiceHandlers } from '../generated/proto/gradnoise/v1/TrainingService.js';
import { compileRunSpec } from '../runs/compile-spec.js';
import type { Store } from '../store/types.js';
import { getTrainer, listTrainers } from '../trainers/index.js';
import { CONFIG_MESSAGE, decodeStartRun, encodeRun, encodeSpec, timestampFromMs } from './codec/index.js';
import { enumValue, int64, requiredId, shortString } from './fields.js';
import { type HandlerDeps, serverStream, unary } from './handlers.js';
import type { QueueQuota } from './limits.js';
import type { LoadedProtos } from './proto.js';
import type { RunControl } from './run-control.js';

/** Largest data chunk of a GetCheckpoint stream (the API promises at most 1 MiB). */
export const CHECKPOINT_CHUNK_BYTES = 1024 * 1024;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const MAX_METRIC_NAMES = 64;

const STATUS: Readonly<Record<string, RunStatus>> = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
};

export interface TrainingServiceDeps extends HandlerDeps {
  readonly store: Store;
  readonly runs: RunControl;
  /** Per-project limit of QUEUED runs (soft, see QueueQuota): StartRun beyond it is refused. None: no limit. */
  readonly queueQuota?: QueueQuota;
}

/**
 * The `gradnoise.v1.TrainingService` handlers. Each one decodes its request, calls one use case and
 * encodes the answer; validation errors name the field (see `fields.ts`), errors map to gRPC status
 * in `errors.ts`, and metrics are recorded by the wrappers in `handlers.ts`.
 */
export function createTrainingServiceHandlers(deps: TrainingServiceDeps): TrainingServiceHandlers {
  const { store, runs } = deps;
  return {
    StartRun: unary(deps, 'StartRun', async (request, ctx): Promise<Run> => {
      const decoded = decodeStartRun(request);
      const spec = compileRunSpec(decoded.request);
      await getTrainer(spec.trainer).preflight?.(spec.trainerConfig);
      await deps.queueQuota?.admit(ctx.project);
      const { run, created } = await store.runs.create({
        project: ctx.project,
        requestId: decoded.requestId,
        spec,
        labels: decoded.labels,
      });
      if (created) runs.wake();
      return encodeRun(run);
    }),

    GetRun: unary(deps, 'GetRun', async (request, ctx) =>
      encodeRun(await store.runs.get(ctx.project, requiredId('run_id', request.runId))),
    ),

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
        const value = enumValue(`statuses[${i}]`, s, STATUS, 'RUN_STATUS_UNSPECIFIED');
        if (value === undefined)
          throw invalidArgument(`statuses[${i}]`, s, `one of ${Object.keys(STATUS).join(', ')}`);
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
      return { runs: page.items.map(encodeRun), nextPageToken: page.nextPageToken };
    }),

    CancelRun: unary(deps, 'CancelRun', async (request, ctx) =>
      encodeRun(await runs.cancel(ctx.project, requiredId('run_id', request.runId))),
    ),

    ListTrainers: unary(
      deps,
      'ListTrainers',
      async (): Promise<ListTrainersResponse> => ({
        trainers: listTrainers().map((trainer) => ({
          name: trainer.name,
          description: trainer.description,
          paperSection: trainer.paperSection,
          configMessage: CONFIG_MESSAGE[trainer.name] ?? '',
          defaults: encodeSpec(compileRunSpec({ trainer: trainer.name })),
        })),
      }),
    ),

    StreamMetrics: serverStream<
      Parameters<TrainingServiceHandlers['StreamMetrics']>[0]['request'],
      StreamMetricsResponse
    >(deps, 'StreamMetrics', async (request, writer, ctx) => {
      const runId = requiredId('run_id', request.runId);
      const sinceStep = int64('since_step', request.sinceStep, 0, Number.MAX_SAFE_INTEGER);
      if (request.names.length > MAX_METRIC_NAMES) {
        throw invalidArgument('names', `${request.names.length} names`, `at most ${MAX_METRIC_NAMES} names`);
      }
      const names = request.names.map((n, i) => shortString(`names[${i}]`, n, 128));
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
            status: event.status,
            final: false,
          });
        } else {
          await writer.write({ points: [], status: event.status, final: true });
          return;
        }
      }
    }),

    GetCheckpoint: serverStream<
      Parameters<TrainingServiceHandlers['GetCheckpoint']>[0]['request'],
      GetCheckpointResponse
    >(deps, 'GetCheckpoint', async (request, writer, ctx) => {
      const runId = requiredId('run_id', request.runId);
      const step = int64('step', request.step, 0, Number.MAX_SAFE_INTEGER);
      await store.runs.get(ctx.project, runId);
      const meta = await store.checkpoints.getMeta(runId, step);
      if (meta === null)
        throw notFound(step === 0 ? 'checkpoint of run' : `checkpoint at step ${step} of run`, runId);
      await writer.write({
        step: meta.step,
        sizeBytes: meta.sizeBytes,
        sha256: meta.sha256,
        format: meta.format,
        tensors: tensorIndex(meta.index),
        data: Buffer.alloc(0),
        offset: 0,
      });
      // One chunk read from PostgreSQL per message: memory stays at a chunk per download, whatever
      // the checkpoint's size, and a slow client slows only its own reads.
      for (let offset = 0; offset < meta.sizeBytes; offset += CHECKPOINT_CHUNK_BYTES) {
        const length = Math.min(CHECKPOINT_CHUNK_BYTES, meta.sizeBytes - offset);
        const chunk = await store.checkpoints.getDataRange(runId, meta.step, meta.sha256, offset, length);
        if (chunk === null || chunk.byteLength !== length) {
          // Replaced or removed while it was being sent (a re-save of the same step).
          throw new AppError(
            'ABORTED',
            `checkpoint at step ${meta.step} of run ${runId} changed during the download; retry`,
          );
        }
        await writer.write({
          data: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
          offset,
          step: meta.step,
        });
      }
    }),
  };
}

/** The safetensors header (name → {dtype, shape, data_offsets}) as TensorInfo messages, in file order. */
function tensorIndex(index: Readonly<Record<string, unknown>>): TensorInfo[] {
  const out: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(index)) {
    if (name === '__metadata__' || typeof entry !== 'object' || entry === null) continue;
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    out.push({
      name,
      dtype: e.dtype ?? '',
      shape: e.shape ?? [],
      begin: e.data_offsets?.[0] ?? 0,
      end: e.data_offsets?.[1] ?? 0,
    });
  }
  return out.sort((a, b) => Number(a.begin) - Number(b.begin));
}

/** Registers the TrainingService on a grpc-js server. */
export function addTrainingService(server: Server, protos: LoadedProtos, deps: TrainingServiceDeps): void {
  server.addService(protos.trainingService, createTrainingServiceHandlers(deps));
}
