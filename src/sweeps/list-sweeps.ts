import { storedRunSpec } from '../core/index.js';
import type {
  Page,
  SweepFilter,
  SweepRecord,
  SweepRepository,
  SweepRunCounts,
  SweepState,
} from '../store/types.js';
import { sweepCells } from './grid.js';
import type { SweepSpec } from './types.js';

/** A sweep without its report, as ListSweeps shows it (GetSweep adds the report, see `SweepView`). */
export interface SweepSummary {
  readonly record: SweepRecord;
  readonly spec: SweepSpec;
  /** Cell keys in grid order. */
  readonly cells: readonly string[];
  readonly counts: SweepRunCounts;
  /** Every run is COMPLETED, FAILED or CANCELLED. */
  readonly done: boolean;
  /** `active` while any run is QUEUED or RUNNING, else `done`. */
  readonly state: SweepState;
}

/** The compiled request stored with a sweep (written only by `startSweep`). */
export function sweepSpec(record: SweepRecord): SweepSpec {
  const spec = record.spec as unknown as SweepSpec;
  return { ...spec, base: storedRunSpec(spec.base) };
}

/** A stored sweep and its run counts as a {@link SweepSummary}. */
export function summarizeSweep(record: SweepRecord, counts: SweepRunCounts): SweepSummary {
  const spec = sweepSpec(record);
  const done = counts.QUEUED + counts.RUNNING === 0;
  return {
    record,
    spec,
    cells: sweepCells(spec).map((c) => c.key),
    counts,
    done,
    state: done ? 'done' : 'active',
  };
}

/**
 * ListSweeps: the project's sweeps newest first, filtered by their own labels and by state, with
 * their run counts and no report (one query per page, not one per sweep). A token of another filter
 * is INVALID_ARGUMENT on `page_token`.
 */
export async function listSweeps(
  store: { readonly sweeps: Pick<SweepRepository, 'list'> },
  filter: SweepFilter,
  pageSize: number,
  pageToken: string,
): Promise<Page<SweepSummary>> {
  const page = await store.sweeps.list(filter, pageSize, pageToken);
  return {
    items: page.items.map((item) => summarizeSweep(item.sweep, item.counts)),
    nextPageToken: page.nextPageToken,
  };
}
