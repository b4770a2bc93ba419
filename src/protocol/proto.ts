import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../generated/proto/sweeps.js';

/** Directory holding `gradnoise/v1/*.proto`: the nearest `proto/` above this file (src/ or dist/src/). */
export const PROTO_ROOT = findProtoRoot(dirname(fileURLToPath(import.meta.url)));

function findProtoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'gradnoise'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`no proto/gradnoise directory above ${start}`);
  }
}

/**
 * The loader options the generated types were made with (scripts/generate.mjs); keep them in step.
 * Server, CLI and tests all load the protos with these, so every party sees the same object shapes
 * (int64 as decimal strings, enums as names, oneof discriminators, defaults filled).
 */
export const LOADER_OPTIONS: Options = {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

/** Every gradnoise proto file, relative to {@link PROTO_ROOT}. */
export const API_PROTO_FILES: readonly string[] = [
  'gradnoise/v1/training.proto',
  'gradnoise/v1/sweeps.proto',
];

/** The loaded API: the raw package definition (message descriptors) and the typed gRPC objects. */
export interface LoadedApi {
  readonly definition: PackageDefinition;
  readonly grpc: ProtoGrpcType;
}

/**
 * Loads training.proto and sweeps.proto (sweeps.proto imports training.proto, so one tree), plus
 * `extraFiles` (absolute paths or relative to {@link PROTO_ROOT}): the server adds the health proto
 * so reflection lists it. The one place any party of gradnoise loads the protos.
 */
export function loadApi(extraFiles: readonly string[] = []): LoadedApi {
  const definition = loadSync([...API_PROTO_FILES, ...extraFiles], LOADER_OPTIONS);
  return { definition, grpc: loadPackageDefinition(definition) as unknown as ProtoGrpcType };
}
