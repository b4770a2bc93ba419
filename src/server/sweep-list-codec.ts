import type { CancelSweepResponse } from '../generated/proto/gradnoise/v1/CancelSweepResponse.js';
import type { ListSweepsRequest__Output } from '../generated/proto/gradnoise/v1/ListSweepsRequest.js';
import type { ListSweepsResponse } from '../generated/proto/gradnoise/v1/ListSweepsResponse.js';
import type { Page, SweepCancellation, SweepFilter, SweepState } from '../store/types.js';
import type { SweepSummary } from '../sweeps/index.js';
import { enumValue, labels } from './fields.js';
import { decodePaging } from './paging.js';
import { encodeRunCounts, encodeSweepSummary, SWEEP_STATE_NAME } from './sweep-codec.js';

const STATE: Readonly<Record<string, SweepState>> = {
  SWEEP_STATE_ACTIVE: 'active',
  SWEEP_STATE_DONE: 'done',
};

/** Decodes ListSweepsRequest; errors name `labels["k"]`, `state`, `page_size`, `page_token`. */
export function decodeListSweeps(
  project: string,
  request: ListSweepsRequest__Output,
): { readonly filter: SweepFilter; readonly pageSize: number; readonly pageToken: string } {
  const wanted = labels('labels', request.labels);
  const state = enumValue('state', request.state, STATE, 'SWEEP_STATE_UNSPECIFIED');
  return {
    filter: {
      project,
      ...(Object.keys(wanted).length > 0 ? { labels: wanted } : {}),
      ...(state === undefined ? {} : { state }),
    },
    ...decodePaging(request.pageSize, request.pageToken),
  };
}

export function encodeListSweeps(page: Page<SweepSummary>): ListSweepsResponse {
  return { sweeps: page.items.map(encodeSweepSummary), nextPageToken: page.nextPageToken };
}

export function encodeCancelSweep(sweepId: string, result: SweepCancellation): CancelSweepResponse {
  const { counts } = result;
  return {
    sweepId,
    cancelled: result.cancelled.length,
    stopping: result.stopping.length,
    counts: encodeRunCounts(counts),
    state: SWEEP_STATE_NAME[counts.QUEUED + counts.RUNNING === 0 ? 'done' : 'active'],
  };
}
