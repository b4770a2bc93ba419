import pg from 'pg';
import { invalidArgument } from '../core/index.js';
import { translateErrors } from './errors.js';
import type { ListenHandlers, NotificationListener, Notifications } from './types.js';

/** PostgreSQL rejects payloads of 8000 bytes or more. */
export const MAX_PAYLOAD_BYTES = 7999;
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;
/** A LISTEN connection that went silently dead (a dropped network) is noticed by this ping. */
const PING_MS = 10_000;

export interface NotificationOptions {
  /** URL for the dedicated LISTEN connections (they cannot be pooled). */
  readonly databaseUrl: string;
  /** The shared pool NOTIFY statements run on. */
  readonly pool: pg.Pool;
}

/**
 * LISTEN/NOTIFY on PostgreSQL. NOTIFY goes through the shared pool, one statement for a whole list
 * of payloads; each `listen` holds one connection of its own (a pooled connection would lose its
 * LISTEN when handed back), reopened with backoff when it fails. Notifications sent while it was
 * down are lost, which `onListening` reports so the caller can catch up from the tables.
 */
export function createNotifications(options: NotificationOptions): Notifications {
  return {
    async notify(channel, payloads) {
      checkChannel(channel);
      if (payloads.length === 0) return;
      for (const payload of payloads) {
        if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
          throw invalidArgument('payload', payload, `at most ${MAX_PAYLOAD_BYTES} bytes`);
        }
      }
      await translateErrors('notification', channel, () =>
        options.pool.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [channel, [...payloads]]),
      );
    },

    listen(channels, handlers) {
      for (const channel of channels) checkChannel(channel);
      return new Listener(options.databaseUrl, channels, handlers);
    },
  };
}

function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) throw invalidArgument('channel', channel, 'a lower-case SQL identifier');
}

class Listener implements NotificationListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = RETRY_FIRST_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly databaseUrl: string,
    private readonly channels: readonly string[],
    private readonly handlers: ListenHandlers,
  ) {
    void this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async open(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      keepAlive: true,
      application_name: 'gradnoise-listen',
    });
    this.client = client;
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      if (this.pingTimer !== null) clearInterval(this.pingTimer);
      this.pingTimer = null;
      if (this.client === client) this.client = null;
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.handlers.onError?.(error);
      this.retryTimer = setTimeout(() => void this.open(), this.retryMs);
      this.retryTimer.unref();
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    };
    client.on('notification', (message) => {
      if (!this.closed) this.handlers.onNotification(message.channel, message.payload ?? '');
    });
    client.on('error', fail);
    client.on('end', () => fail(new Error('the LISTEN connection ended')));
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch (error) {
      fail(error);
      return;
    }
    if (this.closed || failed) return;
    this.retryMs = RETRY_FIRST_MS;
    this.pingTimer = setInterval(() => {
      client.query('SELECT 1').catch(fail);
    }, PING_MS);
    this.pingTimer.unref();
    this.handlers.onListening?.();
  }
}
