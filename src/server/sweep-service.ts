import type { Server } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { invalidArgument } from '../core/index.js';
import type { SweepServiceHandlers } from '../generated/proto/gradnoise/v1/SweepService.js';
import type { DataRootPolicy } from '../runs/index.js';
import type { SweepRepository } from '../store/types.js';
import {
  checkMaxPoints,
  describeSweep,
  listSweepRuns,
  listSweeps,
  type SweepDeps,
  type SweepReads,
  startSweep,
  sweepCurves,
} from '../sweeps/index.js';
import type { TrainerRegistry } from '../trainers/index.js';
import { requiredId, shortString } from './fields.js';
import { type HandlerDeps, unary } from './handlers.js';
import type { QueueQuota } from './limits.js';
import type { LoadedProtos } from './proto.js';
import type { RunControl } from './run-control.js';
import {
  decodeObjective,
  decodeStartSweep,
  encodeCurves,
  encodeSweep,
  encodeSweepRuns,
} from './sweep-codec.js';
import { decodeListSweeps, encodeCancelSweep, encodeListSweeps } from './sweep-list-codec.js';
import { decodeSelection } from './sweep-selection-codec.js';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/** The part of the store the SweepService uses (src/main.ts passes its Store). */
export type SweepStore = SweepReads & SweepDeps['store'] & { readonly sweeps: Pick<SweepRepository, 'list'> };

export interface SweepServiceDeps extends HandlerDeps {
  readonly store: SweepStore;
  readonly runs: Pick<RunControl, 'wake' | 'cancelSweep'>;
  /** Per-project limit of QUEUED runs (soft, see QueueQuota): a sweep that would exceed it is refused. */
  readonly queueQuota?: Pick<QueueQuota, 'admit'>;
  /** The loaded API; its descriptors resolve axis field paths. */
  readonly definition: PackageDefinition;
  /** What the sweep's runs may read (the service's policy, as for StartRun). */
  readonly dataRoots: DataRootPolicy;
  /** The service's trainers (built-ins and plugins). Default: the built-ins. */
  readonly trainers?: TrainerRegistry;
}

/**
 * The `gradnoise.v1.SweepService` handlers: decode, one use case of `src/sweeps`, encode. Field
 * errors name the request field (`axes[1].values[0]`, `base.noise.eta`, ...), see sweeps.proto.
 */
export function createSweepServiceHandlers(deps: SweepServiceDeps): SweepServiceHandlers {
  const { store, queueQuota: quota } = deps;
  return {
    StartSweep: unary(deps, 'StartSweep', async (request, ctx) => {
      const decoded = decodeStartSweep(deps.definition, request, deps.trainers);
      const { sweep } = await startSweep(
        {
          store,
          wake: () => deps.runs.wake(),
          dataRoots: deps.dataRoots,
          ...(deps.trainers === undefined ? {} : { trainers: deps.trainers }),
          ...(quota !== undefined ? { admit: (runs: number) => quota.admit(ctx.project, runs) } : {}),
        },
        ctx.project,
        decoded.request,
        decoded.requestId,
      );
      return encodeSweep(await describeSweep(store, ctx.project, sweep.id));
    }),

    GetSweep: unary(deps, 'GetSweep', async (request, ctx) => {
      const sweepId = requiredId('sweep_id', request.sweepId);
      const objective = request.objective ? decodeObjective(request.objective) : undefined;
      const selection = request.selection ? decodeSelection(request.selection) : undefined;
      return encodeSweep(await describeSweep(store, ctx.project, sweepId, objective, selection));
    }),

    ListSweepRuns: unary(deps, 'ListSweepRuns', async (request, ctx) => {
      const sweepId = requiredId('sweep_id', request.sweepId);
      const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : request.pageSize;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
        throw invalidArgument(
          'page_size',
          request.pageSize,
          `an integer in [0, ${MAX_PAGE_SIZE}] (0: ${DEFAULT_PAGE_SIZE})`,
        );
      }
      const pageToken = shortString('page_token', request.pageToken, 512);
      return encodeSweepRuns(await listSweepRuns(store, ctx.project, sweepId, pageSize, pageToken));
    }),

    ListSweeps: unary(deps, 'ListSweeps', async (request, ctx) => {
      const { filter, pageSize, pageToken } = decodeListSweeps(ctx.project, request);
      return encodeListSweeps(await listSweeps(store, filter, pageSize, pageToken));
    }),

    CancelSweep: unary(deps, 'CancelSweep', async (request, ctx) => {
      const sweepId = requiredId('sweep_id', request.sweepId);
      return encodeCancelSweep(sweepId, await deps.runs.cancelSweep(ctx.project, sweepId));
    }),

    GetSweepCurves: unary(deps, 'GetSweepCurves', async (request, ctx) => {
      const sweepId = requiredId('sweep_id', request.sweepId);
      const metric = shortString('metric', request.metric, 128);
      const maxPoints = checkMaxPoints('max_points', request.maxPoints);
      return encodeCurves(await sweepCurves(store, ctx.project, sweepId, metric, maxPoints));
    }),
  };
}

/** Registers the SweepService on a grpc-js server. */
export function addSweepService(server: Server, protos: LoadedProtos, deps: SweepServiceDeps): void {
  server.addService(protos.sweepService, createSweepServiceHandlers(deps));
}
