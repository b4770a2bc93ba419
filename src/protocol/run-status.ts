import type { RunStatus } from '../core/index.js';
import type { RunStatus__Output as WireRunStatus } from '../generated/proto/gradnoise/v1/RunStatus.js';

/**
 * Run statuses on the wire and off it. The proto's `RunStatus` values carry the `RUN_STATUS_`
 * prefix (buf's ENUM_VALUE_PREFIX: proto3 enum values share their package's scope), while the core,
 * the database column `runs.status` and the Prometheus label values keep the short names
 * (`QUEUED`), so renaming the proto values migrated no data. The server maps at its boundary with
 * these functions, and clients use them to show the short names to people.
 */
export type { WireRunStatus };

const PREFIX = 'RUN_STATUS_';

/** Every core status by its wire name, e.g. `RUN_STATUS_QUEUED` -> `QUEUED`. */
export const RUN_STATUS_BY_WIRE_NAME: Readonly<Record<string, RunStatus>> = {
  RUN_STATUS_QUEUED: 'QUEUED',
  RUN_STATUS_RUNNING: 'RUNNING',
  RUN_STATUS_COMPLETED: 'COMPLETED',
  RUN_STATUS_FAILED: 'FAILED',
  RUN_STATUS_CANCELLED: 'CANCELLED',
  RUN_STATUS_STOPPED_EARLY: 'STOPPED_EARLY',
};

/** The wire name of a core status: `QUEUED` -> `RUN_STATUS_QUEUED`. */
export function wireRunStatus(status: RunStatus): WireRunStatus {
  return `${PREFIX}${status}`;
}

/**
 * A wire status as people read it: its short name (`RUN_STATUS_RUNNING` -> `RUNNING`), as the CLI,
 * the database and the docs name it. A name without the prefix comes back as it is.
 */
export function runStatusLabel(wire: string): string {
  return wire.startsWith(PREFIX) ? wire.slice(PREFIX.length) : wire;
}
