import { defineConfig } from 'prisma/config';

// `prisma generate` needs no database, so the URL is optional here; `prisma migrate deploy`
// (where the schema engine exists) reads it from DATABASE_URL.
const url = process.env.DATABASE_URL;

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  ...(url === undefined ? {} : { datasource: { url } }),
});
