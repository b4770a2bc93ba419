import pg from 'pg';

/**
 * Runs one statement (CREATE or DROP DATABASE, say) on a short-lived connection to `adminUrl`.
 * Free of vitest imports, so the benchmarks share it with the test helpers.
 */
export async function runAdminStatement(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
