/**
 * The full load-and-faults scenario of docs/reliability.md, outside the test runner:
 *
 *   npx tsx bench/load.ts [--replicas 3] [--runs 50] [--steps 300] [--watchers 100] [--kills 3] [--seed 6]
 *
 * Server: `BENCH_DATABASE_URL` (an admin URL, e.g. …/postgres) or, when unset, an embedded
 * PostgreSQL in a temporary directory. A fresh database is created and dropped at the end. Prints
 * progress, then the report as JSON and as the table row docs/reliability.md keeps. Exits 1 when
 * a run did not complete or a point was lost or duplicated.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrate, startEmbeddedPostgres } from '../src/store/index.js';
import { runAdminStatement as admin } from '../test/helpers/pg-admin.js';
import { runLoad } from '../test/integration/scaleout/load.js';
import { freePort } from '../test/setup/postgres.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      replicas: { type: 'string', default: '3' },
      runs: { type: 'string', default: '50' },
      steps: { type: 'string', default: '300' },
      watchers: { type: 'string', default: '100' },
      kills: { type: 'string', default: '3' },
      seed: { type: 'string', default: '6' },
      'timeout-s': { type: 'string', default: '600' },
    },
  });
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  let dir: string | null = null;
  let adminUrl = process.env.BENCH_DATABASE_URL ?? '';
  if (adminUrl === '') {
    dir = await mkdtemp(join(tmpdir(), 'gradnoise-load-'));
    await chmod(dir, 0o755);
    embedded = await startEmbeddedPostgres({
      dataDir: join(dir, 'data'),
      port: await freePort(),
      settings: { max_connections: '300' },
    });
    adminUrl = embedded.adminUrl;
  }
  const name = `gradnoise_load_${randomBytes(4).toString('hex')}`;
  await admin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    await migrate(url.toString());
    const report = await runLoad({
      databaseUrl: url.toString(),
      replicas: Number(values.replicas),
      runs: Number(values.runs),
      steps: Number(values.steps),
      watchers: Number(values.watchers),
      kills: Number(values.kills),
      seed: Number(values.seed),
      timeoutMs: Number(values['timeout-s']) * 1000,
      log: (line) => console.error(`load: ${line}`),
    });
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `| ${report.replicas} | ${report.runs} × ${report.steps} | ${report.watchers} | ${report.kills} | ` +
        `${report.seconds} s | ${report.statuses.COMPLETED ?? 0}/${report.runs} | ${report.resumedRuns} | ` +
        `${report.missingPoints} / ${report.duplicatePoints} | ${report.watcherGaps} / ${report.watcherDuplicates} | ` +
        `${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)} |`,
    );
    const ok =
      report.statuses.COMPLETED === report.runs &&
      report.missingPoints === 0 &&
      report.duplicatePoints === 0 &&
      report.watcherGaps === 0 &&
      report.watcherDuplicates === 0 &&
      report.watchersEnded === report.watchers &&
      report.unexpectedErrors.length === 0;
    return ok ? 0 : 1;
  } finally {
    await admin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await embedded?.stop();
    if (dir !== null) await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
