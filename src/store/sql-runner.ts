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
}

/** Straight through `pg`: named prepared statements, rows as arrays (no per-row objects). */
export function pgRunner(pool: pg.Pool): SqlRunner {
  return {
    async query(text, values, name) {
      const result = await pool.query<unknown[]>({
        text,
        values: [...values],
        rowMode: 'array',
        ...(name === undefined ? {} : { name }),
      });
      return result.rows;
    },
  };
}

/** Through Prisma's raw-query path (`$queryRawUnsafe`), which deserialises into objects. */
export function prismaRunner(prisma: PrismaClient): SqlRunner {
  return {
    async query(text, values) {
      const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(text, ...values);
      return rows.map((row) => Object.values(row));
    },
  };
}
