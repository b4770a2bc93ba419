// Generates code that is never edited by hand, offline:
//  - the Prisma client (src/generated/prisma) from prisma/schema.prisma
//  - typed gRPC handlers (src/generated/proto) from proto/**/*.proto
// Prisma's generate step wants a schema engine binary that cannot be downloaded here; the client
// itself needs none (it runs through @prisma/adapter-pg), so the engine is stubbed with /bin/true.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args, env = {}) =>
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });

if (existsSync(join(root, 'prisma', 'schema.prisma'))) {
  run(bin('prisma'), ['generate'], {
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  });
}

const protoRoot = join(root, 'proto');
const protos = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.name.endsWith('.proto')) protos.push(full.slice(protoRoot.length + 1));
  }
};
if (existsSync(protoRoot)) walk(protoRoot);
if (protos.length > 0) {
  const out = join(root, 'src', 'generated', 'proto');
  rmSync(out, { recursive: true, force: true });
  run(bin('proto-loader-gen-types'), [
    '--grpcLib=@grpc/grpc-js',
    '--outDir',
    out,
    '--includeDirs',
    protoRoot,
    '--longs=String',
    '--enums=String',
    '--defaults',
    '--oneofs',
    '--includeComments',
    ...protos,
  ]);
  // The generator writes extensionless relative imports; ESM under NodeNext needs `.js`.
  const fix = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) fix(full);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(full, 'utf8');
        writeFileSync(full, text.replace(/from '(\.{1,2}\/[^']+?)(?<!\.js)'/g, "from '$1.js'"));
      }
    }
  };
  fix(out);
}
