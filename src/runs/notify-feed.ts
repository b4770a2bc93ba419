import type { NotificationListener, Notifications } from '../store/types.js';
import type { RunLogger } from './execution-deps.js';
import type { LiveHub } from './hub.js';
import { decodeNotice, METRICS_CHANNEL, RUNS_CHANNEL } from './notify.js';

export interface RemoteRunFeedDeps {
  readonly notifications: Notifications;
  readonly hub: LiveHub;
  /** Whether the run trains on this replica: its hub events then come from its execution. */
  readonly isLocal: (runId: string) => boolean;
  /** Cancel was requested on another replica for a run training here. */
  readonly onCancel: (runId: string) => void;
  readonly logger: RunLogger;
}

/**
 * The receiving end of `notify.ts`: one LISTEN connection per replica that turns other replicas'
 * notices into hub events for the local watchers of runs training elsewhere, so StreamMetrics is
 * live on every replica:
 *
 * - `stored` → `hub.publishStored`: watchers read the new points from the store (`watch.ts`);
 * - a terminal status → `hub.publishStatus`: watchers catch up and end;
 * - `cancel` of a run training here → `onCancel`, without waiting for the next lease renewal.
 *
 * Notices of runs nobody watches here, or that train here, are dropped at once. After a reconnect,
 * every watched remote run gets a `stored` event, so what was missed meanwhile is read back.
 */
export class RemoteRunFeed {
  private listener: NotificationListener | null = null;
  private down = false;

  constructor(private readonly deps: RemoteRunFeedDeps) {}

  start(): void {
    if (this.listener !== null) return;
    const { notifications, logger } = this.deps;
    this.listener = notifications.listen([METRICS_CHANNEL, RUNS_CHANNEL], {
      onNotification: (channel, payload) => this.dispatch(channel, payload),
      onListening: () => {
        if (this.down) logger.info({}, 'listening for other replicas again');
        this.down = false;
        this.resync();
      },
      onError: (error) => {
        if (!this.down) {
          logger.warn({ err: error }, 'LISTEN connection lost; remote watchers poll until it is back');
        }
        this.down = true;
      },
    });
  }

  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    await listener?.close();
  }

  private dispatch(channel: string, payload: string): void {
    const notice = decodeNotice(channel, payload);
    if (notice === null) return;
    const { hub, isLocal, onCancel } = this.deps;
    if (notice.kind === 'cancel') {
      if (isLocal(notice.runId)) onCancel(notice.runId);
      return;
    }
    if (isLocal(notice.runId) || hub.subscriberCount(notice.runId) === 0) return;
    if (notice.kind === 'stored') hub.publishStored(notice.runId, notice.step);
    else hub.publishStatus(notice.runId, notice.status);
  }

  private resync(): void {
    const { hub, isLocal } = this.deps;
    for (const runId of hub.watchedRuns()) {
      if (!isLocal(runId)) hub.publishStored(runId, Number.MAX_SAFE_INTEGER);
    }
  }
}
