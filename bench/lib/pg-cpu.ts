import pg from 'pg';
import { processCpuSeconds } from './service.js';

/**
 * CPU seconds used by the PostgreSQL backends serving one database (other than this meter's own
 * connection), read from /proc between `start()` and `stop()`. Backends that appear meanwhile count
 * from zero; one that exits before `stop()` is missed, so the figure is a lower bound. NaN when the
 * server runs on another machine.
 */
export async function pgCpuMeter(
  databaseUrl: string,
): Promise<{ start(): Promise<void>; stop(): Promise<number> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // A lost connection fails the next query; without a listener it would crash the process.
  client.on('error', () => {});
  await client.connect();
  const backends = async (): Promise<number[]> =>
    (
      await client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      )
    ).rows.map((r) => r.pid);
  let before = new Map<number, number>();
  return {
    async start() {
      before = new Map((await backends()).map((pid) => [pid, processCpuSeconds(pid)]));
    },
    async stop() {
      const pids = new Set([...before.keys(), ...(await backends())]);
      let total = 0;
      for (const pid of pids) {
        const now = processCpuSeconds(pid);
        if (Number.isFinite(now)) total += now - (before.get(pid) ?? 0);
      }
      await client.end();
      return total;
    },
  };
}
