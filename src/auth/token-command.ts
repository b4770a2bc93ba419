import { parseArgs } from 'node:util';
import { createStore, migrate } from '../store/index.js';
import { createApiToken } from './create-token.js';

const USAGE = `usage:
  npm run token:create -- --project <project> --name <what it is for>
  npm run token:create -- --list [--project <project>]
  npm run token:create -- --revoke <token id>
DATABASE_URL names the database (the embedded one of \`npm start\` is
postgresql://postgres:gradnoise@127.0.0.1:54329/gradnoise).`;

/**
 * Creates, lists or revokes API tokens in PostgreSQL, without the service or its CLI. A new token
 * is printed once, on stdout, and only its sha256 is stored; everything else goes to stderr.
 */
export async function tokenCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      project: { type: 'string' },
      name: { type: 'string' },
      list: { type: 'boolean' },
      revoke: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  const databaseUrl = env.DATABASE_URL?.trim() ?? '';
  if (values.help === true || databaseUrl === '') {
    process.stderr.write(`${USAGE}\n`);
    return values.help === true ? 0 : 2;
  }
  await migrate(databaseUrl);
  const store = await createStore({ databaseUrl, poolSize: 1 });
  try {
    if (values.revoke !== undefined) {
      const record = await store.tokens.revoke(values.revoke);
      process.stderr.write(`revoked token ${record.id} (${record.project}/${record.name})\n`);
    } else if (values.list === true) {
      for (const t of await store.tokens.list(values.project)) {
        const state = t.revokedAt === null ? 'active' : `revoked ${t.revokedAt.toISOString()}`;
        process.stdout.write(`${t.id}\t${t.project}\t${t.name}\t${t.createdAt.toISOString()}\t${state}\n`);
      }
    } else {
      if (values.project === undefined || values.name === undefined) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const { token, record } = await createApiToken(store.tokens, values.project, values.name);
      process.stderr.write(
        `created token ${record.id} for project ${record.project} (${record.name}); it is shown once:\n`,
      );
      process.stdout.write(`${token}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

const isEntryPoint =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isEntryPoint) {
  tokenCommand(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
