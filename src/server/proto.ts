import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { API_PROTO_FILES, LOADER_OPTIONS, PROTO_ROOT } from '../client/proto.js';
import type { SweepServiceHandlers } from '../generated/proto/gradnoise/v1/SweepService.js';
import type { TrainingServiceHandlers } from '../generated/proto/gradnoise/v1/TrainingService.js';
import type { ProtoGrpcType } from '../generated/proto/sweeps.js';

// Where the protos are and how they are loaded is shared with every client (src/client).
export { LOADER_OPTIONS, PROTO_ROOT };

export const SERVICE_NAME = 'gradnoise.v1.TrainingService';
export const SWEEP_SERVICE_NAME = 'gradnoise.v1.SweepService';

export interface LoadedProtos {
  /** Everything this server exposes, for reflection (the health proto included). */
  readonly reflection: PackageDefinition;
  readonly trainingService: ServiceDefinition<TrainingServiceHandlers>;
  readonly sweepService: ServiceDefinition<SweepServiceHandlers>;
}

export function loadProtos(): LoadedProtos {
  const reflection = loadSync([...API_PROTO_FILES, healthProtoPath], LOADER_OPTIONS);
  const grpcObject = loadPackageDefinition(reflection) as unknown as ProtoGrpcType;
  return {
    reflection,
    trainingService: grpcObject.gradnoise.v1.TrainingService
      .service as ServiceDefinition<TrainingServiceHandlers>,
    sweepService: grpcObject.gradnoise.v1.SweepService.service as ServiceDefinition<SweepServiceHandlers>,
  };
}
