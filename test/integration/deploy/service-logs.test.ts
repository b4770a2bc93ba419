import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { freePort } from '../../setup/postgres.js';
import { type Replica, startReplica } from '../scaleout/replica.js';

// The service's own process (`src/main.ts`) writes structured JSON logs: one object per line on
// standard output, which log shippers (Loki, Fluent Bit, CloudWatch) parse without a pattern.

describe('service process logs', () => {
  let db: TestDatabase;
  let replica: Replica | null = null;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await replica?.kill().catch(() => undefined);
    await db.drop();
  });

  it('are one JSON object per line, from start to SIGTERM, with level, time, message, service and replica', async () => {
    const metricsPort = await freePort();
    replica = await startReplica({
      databaseUrl: db.url,
      replicaId: 'logs-a',
      env: { GRADNOISE_METRICS_HOST: '127.0.0.1', GRADNOISE_METRICS_PORT: String(metricsPort) },
    });
    const live = replica;
    await live.stop();
    expect(await live.exited).toBe('0');

    const lines = live
      .stdout()
      .split('\n')
      .filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(3);
    const records = lines.map((line) => {
      let record: unknown;
      expect(() => {
        record = JSON.parse(line);
      }, line).not.toThrow();
      return record as Record<string, unknown>;
    });
    for (const record of records) {
      expect(record).toMatchObject({ service: 'gradnoise', replica: 'logs-a' });
      expect(typeof record.level, JSON.stringify(record)).toBe('number');
      expect(typeof record.time, JSON.stringify(record)).toBe('number');
      expect(typeof record.msg, JSON.stringify(record)).toBe('string');
    }
    const byMessage = (msg: string) => records.find((r) => r.msg === msg);
    // The backend choice is logged as a field, not only in prose.
    expect(byMessage('tfjs backend selected')).toMatchObject({ backend: 'cpu' });
    expect(byMessage('gradnoise serving')).toMatchObject({
      grpc: live.address,
      metrics: `127.0.0.1:${metricsPort}`,
    });
    expect(byMessage('shutting down')).toMatchObject({ signal: 'SIGTERM' });
  }, 180_000);
});
