import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.js';

/**
 * Runs one parameterised statement and returns its rows as arrays in column order. The metric
 * replay queries are written against this so the same SQL can run on either path and be measured;
 * metric writes need {@link pgRunner}, which sends `Buffer` parameters in PostgreSQL's binary format
 * (Prisma's raw path would send them as `bytea`).
 */
export interface SqlRunner {
  /** `name` lets a driver that supports it prepare the statement once per connection. */
  query(text: string, values: readonly unknown[], name?: string): Promise<unknown[][]>;
  /**
   * Runs `work` in one transaction on one connection (READ COMMITTED): commits when it resolves,
   * rolls back and rethrows when it rejects.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

/** Straight through `pg`: named prepared statements, rows as arrays (no per-row objects). */
export function pgRunner(pool: pg.Pool): SqlRunner {
  return {
    query: (text, values, name) => arrayQuery(pool, text, values, name),
    async transaction(work) {
      const client = await pool.connect();
      const release = listenWhileCheckedOut(client);
      const tx: SqlRunner = {
        query: (text, values, name) => arrayQuery(client, text, values, name),
        transaction: () => Promise.reject(new Error('pgRunner: nested transactions are not supported')),
      };
      try {
        await client.query('BEGIN');
        const result = await work(tx);
        await client.query('COMMIT');
        release();
        return result;
      } catch (error) {
        // A connection whose ROLLBACK fails is broken: destroy it instead of pooling it.
        await client.query('ROLLBACK').then(
          () => release(),
          (rollbackError: Error) => release(rollbackError),
        );
        throw error;
      }
    },
  };
}

async function arrayQuery(
  db: pg.Pool | pg.PoolClient,
  text: string,
  values: readonly unknown[],
  name: string | undefined,
): Promise<unknown[][]> {
  const result = await db.query<unknown[]>({
    text,
    values: [...values],
    rowMode: 'array',
    ...(name === undefined ? {} : { name }),
  });
  return result.rows;
}

/** Through Prisma's raw-query path (`$queryRawUnsafe`), which deserialises into objects. */
export function prismaRunner(prisma: PrismaClient): SqlRunner {
  return {
    async query(text, values) {
      const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(text, ...values);
      return rows.map((row) => Object.values(row));
    },
    transaction(work) {
      return prisma.$transaction((tx) =>
        work({
          async query(text, values) {
            const rows = await tx.$queryRawUnsafe<Record<string, unknown>[]>(text, ...values);
            return rows.map((row) => Object.values(row));
          },
          transaction: () => Promise.reject(new Error('prismaRunner: nested transactions are not supported')),
        }),
      );
    },
  };
}

/**
 * Hears `'error'` on a checked-out connection until the returned function releases it (a truthy
 * argument destroys it instead of pooling it). A connection lost while checked out (terminated, the
 * server restarting) emits `'error'` on the client, and the pool listens only while it is idle:
 * unheard, that would crash the process. The failed query reports the loss.
 */
export function listenWhileCheckedOut(client: pg.PoolClient): (destroy?: Error | boolean) => void {
  const heard = () => {};
  client.on('error', heard);
  return (destroy) => {
    client.removeListener('error', heard);
    client.release(destroy);
  };
}
