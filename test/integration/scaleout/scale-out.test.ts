import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamMetricsResponse__Output } from '../../../src/generated/proto/gradnoise/v1/StreamMetricsResponse.js';
import { createStore, type Store } from '../../../src/store/index.js';
import { api, createClient, waitForStatus } from '../../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { type InProcessReplica, startInProcessReplica } from './in-process.js';
import { type Replica, startReplica } from './replica.js';
import { checkLossSeries, eventually } from './series.js';

describe('scale-out: replicas on one PostgreSQL', () => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = await createStore({ databaseUrl: db.url, poolSize: 2 });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('a watcher on replica B streams a run training on replica A live (LISTEN/NOTIFY, no polling), and a cancel through B reaches A at once', async () => {
    const replicas: InProcessReplica[] = [];
    let runId = '';
    try {
      // A renews leases (and would notice a remote cancel) only every 20 s; B never polls.
      const a = await startInProcessReplica(db.url, { owner: 'replica-a', leaseMs: 60_000 });
      replicas.push(a);
      const run = await api(a.client).startRun({
        trainer: 'smoke',
        maxSteps: 1_000_000,
        evalEvery: 1_000_000,
        checkpointEvery: 1_000_000,
      });
      runId = run.id;
      await waitForStatus(a.client, run.id, ['RUN_STATUS_RUNNING']);
      const b = await startInProcessReplica(db.url, { owner: 'replica-b', watchPollMs: 600_000 });
      replicas.push(b);

      const opened = (await store.runs.get('default', run.id)).currentStep;
      const messages: StreamMetricsResponse__Output[] = [];
      let highest = 0;
      const stream = b.client.StreamMetrics({ runId: run.id, sinceStep: 0, names: ['loss'] });
      const ended = new Promise<void>((resolve, reject) => {
        stream.on('data', (m: StreamMetricsResponse__Output) => {
          messages.push(m);
          for (const p of m.points) highest = Math.max(highest, Number(p.step));
        });
        stream.on('error', reject);
        stream.on('end', resolve);
      });

      // Far more points than were stored when the stream opened, while the run is still RUNNING.
      await eventually('live points through replica B', async () =>
        highest > opened + 1000 && messages.length > 3 ? true : undefined,
      );
      expect((await store.runs.get('default', run.id)).status).toBe('RUNNING');
      expect(messages.every((m) => m.final || m.status === 'RUN_STATUS_RUNNING')).toBe(true);
      expect(b.scheduler.activeRunIds).toEqual([]);

      const cancelledAt = Date.now();
      await api(b.client).cancelRun({ runId: run.id });
      await ended;
      expect(Date.now() - cancelledAt).toBeLessThan(15_000);
      expect(messages.at(-1)).toMatchObject({ final: true, status: 'RUN_STATUS_CANCELLED', points: [] });

      // What B streamed is the stored series: every step once, in order.
      const streamed = messages.flatMap((m) => m.points.map((p) => Number(p.step)));
      const final = (await store.runs.get('default', run.id)).currentStep;
      expect(streamed).toEqual(Array.from({ length: final }, (_, i) => i + 1));
      const [series] = await checkLossSeries(db.url, [{ id: run.id, maxSteps: final }]);
      expect(series).toMatchObject({ points: final, missing: [], duplicates: 0 });

      // B also serves the checkpoint A wrote when it cancelled, byte for byte.
      const chunks = await api(b.client).getCheckpoint({ runId: run.id });
      const [head, ...data] = chunks;
      expect(Number(head?.step)).toBe(final);
      const bytes = Buffer.concat(data.map((c) => c.data));
      expect(bytes.length).toBe(Number(head?.sizeBytes));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(head?.sha256);
    } finally {
      // A failed test must not leave its endless run in the queue for the next one.
      if (runId !== '') await store.runs.requestCancel('default', runId).catch(() => undefined);
      for (const r of replicas) await r.stop();
    }
  });

  it('two real processes share the queue and never train the same run twice', async () => {
    const replicas: Replica[] = [];
    try {
      replicas.push(await startReplica({ databaseUrl: db.url, replicaId: 'proc-1' }));
      replicas.push(await startReplica({ databaseUrl: db.url, replicaId: 'proc-2' }));
      const clients = replicas.map((r) => createClient(r.address));
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const client = clients[i % 2];
        if (client === undefined) throw new Error('no client');
        const run = await api(client).startRun({
          trainer: 'smoke',
          maxSteps: 200,
          seed: i,
          requestId: `share-${i}`,
        });
        ids.push(run.id);
      }
      await eventually(
        'all 12 runs to complete',
        async () => {
          const runs = await Promise.all(ids.map((id) => store.runs.get('default', id)));
          return runs.every((r) => r.status === 'COMPLETED') ? runs : undefined;
        },
        240_000,
        200,
      );
      for (const c of clients) c.close();

      const runs = await Promise.all(ids.map((id) => store.runs.get('default', id)));
      expect(runs.map((r) => r.attempt)).toEqual(ids.map(() => 1));
      const startedBy = replicas.map(
        (r) => new Set(r.logs.filter((l) => l.msg === 'run started').map((l) => String(l.runId))),
      );
      const [one = new Set<string>(), two = new Set<string>()] = startedBy;
      expect([...one].filter((id) => two.has(id))).toEqual([]);
      expect(new Set([...one, ...two])).toEqual(new Set(ids));
      expect(one.size).toBeGreaterThan(0);
      expect(two.size).toBeGreaterThan(0);
      const series = await checkLossSeries(
        db.url,
        ids.map((id) => ({ id, maxSteps: 200 })),
      );
      expect(series.filter((s) => s.missing.length > 0 || s.duplicates > 0 || s.points !== 200)).toEqual([]);
    } finally {
      for (const r of replicas) await r.stop();
    }
  }, 360_000);
});
