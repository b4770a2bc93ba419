import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

/** The two handles on one connection pool: the Prisma client and, for the hot paths, raw `pg`. */
export interface Database {
  readonly prisma: PrismaClient;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  readonly databaseUrl: string;
  readonly poolSize: number;
  /** Errors of idle pooled connections (the server restarted, the network dropped). */
  readonly onError: (error: Error) => void;
}

/**
 * Opens one `pg` pool and hands it to Prisma through `@prisma/adapter-pg` (no engine binary),
 * so Prisma and the raw metric queries share `poolSize` connections. Connects lazily.
 */
export function openDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', options.onError);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: false }) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
