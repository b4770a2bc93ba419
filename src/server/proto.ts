import type { ServiceDefinition } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import type { SweepServiceHandlers } from '../generated/proto/gradnoise/v1/SweepService.js';
import type { TrainingServiceHandlers } from '../generated/proto/gradnoise/v1/TrainingService.js';
import { loadApi } from '../protocol/index.js';
import { createStreamMetricsSerializer } from './codec/index.js';

export const SERVICE_NAME = 'gradnoise.v1.TrainingService';
export const SWEEP_SERVICE_NAME = 'gradnoise.v1.SweepService';

export interface LoadedProtos {
  /** Everything this server exposes, for reflection (the health proto included). */
  readonly reflection: PackageDefinition;
  readonly trainingService: ServiceDefinition<TrainingServiceHandlers>;
  readonly sweepService: ServiceDefinition<SweepServiceHandlers>;
}

/** Name → number of an enum of the loaded protos. */
export function enumNumbers(definition: PackageDefinition, fullName: string): Record<string, number> {
  const type = definition[fullName]?.type as { value?: { name: string; number: number }[] } | undefined;
  if (type?.value === undefined) throw new Error(`no enum ${fullName} in the loaded protos`);
  return Object.fromEntries(type.value.map((v) => [v.name, v.number]));
}

export function loadProtos(): LoadedProtos {
  const { definition: reflection, grpc: grpcObject } = loadApi([healthProtoPath]);
  const training = grpcObject.gradnoise.v1.TrainingService
    .service as ServiceDefinition<TrainingServiceHandlers>;
  return {
    reflection,
    // StreamMetrics answers with a hand-written serializer: same bytes, without the reflective path.
    trainingService: {
      ...training,
      StreamMetrics: {
        ...training.StreamMetrics,
        responseSerialize: createStreamMetricsSerializer(enumNumbers(reflection, 'gradnoise.v1.RunStatus')),
      },
    },
    sweepService: grpcObject.gradnoise.v1.SweepService.service as ServiceDefinition<SweepServiceHandlers>,
  };
}
