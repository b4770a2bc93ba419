import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import type { TrainingServiceHandlers } from '../generated/proto/gradnoise/v1/TrainingService.js';
import type { ProtoGrpcType } from '../generated/proto/training.js';

/** Directory holding `gradnoise/v1/*.proto`: the nearest `proto/` above this file (src/ or dist/src/). */
export const PROTO_ROOT = findProtoRoot(dirname(fileURLToPath(import.meta.url)));

function findProtoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, 'gradnoise'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`no proto/gradnoise directory above ${start}`);
  }
}

/** The loader options the generated types were made with (scripts/generate.mjs); keep them in step. */
export const LOADER_OPTIONS: Options = {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

export const SERVICE_NAME = 'gradnoise.v1.TrainingService';

export interface LoadedProtos {
  /** Everything this server exposes, for reflection (the health proto included). */
  readonly reflection: PackageDefinition;
  readonly trainingService: ServiceDefinition<TrainingServiceHandlers>;
}

export function loadProtos(): LoadedProtos {
  const reflection = loadSync(['gradnoise/v1/training.proto', healthProtoPath], LOADER_OPTIONS);
  const grpcObject = loadPackageDefinition(reflection) as unknown as ProtoGrpcType;
  return {
    reflection,
    trainingService: grpcObject.gradnoise.v1.TrainingService
      .service as ServiceDefinition<TrainingServiceHandlers>,
  };
}
