import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { type LoadOptions, runLoad } from './load.js';

// The CI size of the load-and-faults scenario. `npm run bench:load` runs the full one (3 replicas,
// 50 runs × 300 steps, 100 watchers, 3 kills); docs/reliability.md records both.
// GRADNOISE_LOAD_* override the sizes (e.g. GRADNOISE_LOAD_RUNS=50 for the full one here).
const env = (name: string, fallback: number): number =>
  Number(process.env[`GRADNOISE_LOAD_${name}`] ?? fallback);
const SIZE: Omit<LoadOptions, 'databaseUrl'> = {
  replicas: env('REPLICAS', 3),
  runs: env('RUNS', 24),
  steps: env('STEPS', 200),
  watchers: env('WATCHERS', 48),
  kills: env('KILLS', 2),
  seed: env('SEED', 6),
  timeoutMs: env('TIMEOUT_MS', 300_000),
};

describe('load and faults on loopback (real processes)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('every run completes, with no metric point lost or duplicated, in the store or at the watchers, while replicas are killed', async () => {
    const report = await runLoad({
      ...SIZE,
      databaseUrl: db.url,
      log: (line) => console.log(`load: ${line}`),
    });
    console.log(`load: ${JSON.stringify(report)}`);
    expect(report.statuses).toEqual({ COMPLETED: SIZE.runs });
    expect(report.kills).toBeGreaterThan(0);
    expect(report).toMatchObject({
      lossPoints: SIZE.runs * SIZE.steps,
      missingPoints: 0,
      duplicatePoints: 0,
      watchersEnded: SIZE.watchers,
      watcherGaps: 0,
      watcherDuplicates: 0,
      unexpectedErrors: [],
    });
    // Every watcher saw its run's whole series, each step once.
    expect(report.watchedPoints).toBe(SIZE.watchers * SIZE.steps);
  }, 420_000);
});
