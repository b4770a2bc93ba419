import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** One migration folder: `prisma/migrations/<timestamp>_<name>/migration.sql`. */
export interface Migration {
  /** Folder name, e.g. `20261127000000_init`; folders apply in name order. */
  readonly name: string;
  readonly sql: string;
  /** sha256 hex of the file, as `prisma migrate` records it. */
  readonly checksum: string;
}

export interface MigrateOptions {
  /** Default: the `prisma/migrations` folder of this package. */
  readonly migrationsDir?: string;
  /** How long to wait for another replica's migration run. Default 60 s. */
  readonly lockTimeoutMs?: number;
}

export interface MigrateResult {
  /** Migrations applied by this call, in order. */
  readonly applied: readonly string[];
  /** Migrations found already applied. */
  readonly skipped: readonly string[];
}

/**
 * The key `prisma migrate` locks (schema engine, PostgreSQL connector), so this migrator and
 * `prisma migrate deploy` never run at the same time on one database.
 */
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

/** Prisma's own bookkeeping table, column for column, so `prisma migrate deploy` can take over. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"            VARCHAR(64) NOT NULL,
    "finished_at"         TIMESTAMPTZ,
    "migration_name"      VARCHAR(255) NOT NULL,
    "logs"                TEXT,
    "rolled_back_at"      TIMESTAMPTZ,
    "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  readonly migration_name: string;
  readonly checksum: string;
  readonly finished_at: Date | null;
}

/**
 * Applies the pending migrations of `prisma/migrations` to the database, doing what
 * `prisma migrate deploy` does where its schema engine cannot run:
 *
 * 1. Takes Prisma's advisory lock, so replicas that start together apply each migration once;
 *    the others wait, then find nothing left to do.
 * 2. Creates `_prisma_migrations` if missing and reads what was applied.
 * 3. Refuses to go on when an applied migration's file changed (checksum mismatch) or when a
 *    previous attempt failed half-way (a row without `finished_at`), as Prisma does.
 * 4. Applies each pending migration and records it in one transaction, so a failing migration
 *    leaves neither schema changes nor a row behind.
 *
 * Idempotent: a second call applies nothing.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = await loadMigrations(options.migrationsDir ?? defaultMigrationsDir());
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await acquireLock(client, options.lockTimeoutMs ?? 60_000);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const rows = await client.query<AppliedRow>(
        `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
      );
      const applied: string[] = [];
      const skipped: string[] = [];
      for (const migration of migrations) {
        const row = rows.rows.find((r) => r.migration_name === migration.name);
        if (row === undefined) {
          await applyOne(client, migration);
          applied.push(migration.name);
        } else {
          checkApplied(migration, row);
          skipped.push(migration.name);
        }
      }
      return { applied, skipped };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

/** Reads every `<dir>/<name>/migration.sql`, sorted by folder name. */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(dir, name, 'migration.sql'));
      return {
        name,
        sql: bytes.toString('utf8'),
        checksum: createHash('sha256').update(bytes).digest('hex'),
      };
    }),
  );
}

/** `prisma/migrations` above this file, from `src/store` (tsx) or `dist/src/store` (built). */
function defaultMigrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no prisma/migrations folder above ${here}`);
}

/** Polls rather than blocks, so a stuck holder gives a clear error instead of a hang. */
async function acquireLock(client: pg.Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      PRISMA_MIGRATE_LOCK_KEY,
    ]);
    if (result.rows[0]?.locked === true) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for the migration lock ${PRISMA_MIGRATE_LOCK_KEY}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function checkApplied(migration: Migration, row: AppliedRow): void {
  if (row.finished_at === null) {
    throw new Error(
      `migration ${migration.name} failed or is still running (finished_at is null in _prisma_migrations); ` +
        'resolve it by hand (prisma migrate resolve) before starting again',
    );
  }
  if (row.checksum !== migration.checksum) {
    throw new Error(
      `migration ${migration.name} was modified after it was applied: ` +
        `checksum ${migration.checksum}, applied ${row.checksum}`,
    );
  }
}

async function applyOne(client: pg.Client, migration: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    const startedAt = new Date();
    // No parameters: the simple query protocol runs a multi-statement script.
    await client.query(migration.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, now(), $3, NULL, NULL, $4, 1)`,
      [randomUUID(), migration.checksum, migration.name, startedAt],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw new Error(
      `migration ${migration.name} failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
}
