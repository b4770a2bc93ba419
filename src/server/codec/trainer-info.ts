import type { ConfigField } from '../../generated/proto/gradnoise/v1/ConfigField.js';
import type { MetricInfo } from '../../generated/proto/gradnoise/v1/MetricInfo.js';
import type { StartRunRequest } from '../../generated/proto/gradnoise/v1/StartRunRequest.js';
import type { TrainerInfo } from '../../generated/proto/gradnoise/v1/TrainerInfo.js';
import { jsonToValue } from '../../protocol/index.js';
import {
  allowedText,
  type ConfigSchema,
  type FieldSchema,
  fieldDefault,
  type TrainerDefinition,
} from '../../trainers/index.js';
import { snakeCase } from './trainer-configs.js';
import { typedConfig } from './typed-configs.js';

const KIND = {
  int: 'CONFIG_FIELD_KIND_INT',
  float: 'CONFIG_FIELD_KIND_FLOAT',
  bool: 'CONFIG_FIELD_KIND_BOOL',
  string: 'CONFIG_FIELD_KIND_STRING',
  enum: 'CONFIG_FIELD_KIND_ENUM',
  intList: 'CONFIG_FIELD_KIND_INT_LIST',
  object: 'CONFIG_FIELD_KIND_OBJECT',
} as const;

/** ListTrainers' entry of one trainer: its declarations, and `defaults` as StartRun resolves them. */
export function encodeTrainerInfo(trainer: TrainerDefinition, defaults: StartRunRequest): TrainerInfo {
  return {
    name: trainer.name,
    description: trainer.description,
    paperSection: trainer.paperSection,
    configMessage: typedConfig(trainer.name)?.message ?? '',
    defaults,
    configFields: encodeConfigFields(trainer.schema),
    metrics: trainer.metrics.map(
      (metric): MetricInfo => ({
        name: metric.name,
        when: metric.when === 'step' ? 'METRIC_WHEN_STEP' : 'METRIC_WHEN_EVALUATION',
        direction: metric.direction === 'min' ? 'METRIC_DIRECTION_MIN' : 'METRIC_DIRECTION_MAX',
        doc: metric.doc,
        finite: metric.finite === true,
      }),
    ),
    phases: [...(trainer.phases ?? [])],
  };
}

/** A config schema as ListTrainers publishes it (what `--set` and Struct sweep axes resolve against). */
export function encodeConfigFields(schema: ConfigSchema): ConfigField[] {
  return Object.entries(schema).map(([name, field]) => encodeField(name, field));
}

function encodeField(name: string, field: FieldSchema): ConfigField {
  const value = fieldDefault(field);
  const common: ConfigField = {
    name: snakeCase(name),
    kind: KIND[field.kind],
    doc: field.doc,
    allowed: allowedText(field),
    ...(value === undefined ? {} : { defaultValue: jsonToValue(value) }),
  };
  switch (field.kind) {
    case 'int':
      return { ...common, min: field.min, max: field.max, odd: field.odd === true };
    case 'float':
      return { ...common, min: field.min, max: field.max, maxExclusive: field.maxExclusive === true };
    case 'intList':
      return { ...common, min: field.min, max: field.max, maxItems: field.maxItems };
    case 'enum':
      return { ...common, choices: [...field.choices], protoEnumPrefix: field.protoEnumPrefix };
    case 'string':
      return { ...common, maxLength: field.maxLength ?? 4096 };
    case 'object':
      return { ...common, fields: encodeConfigFields(field.fields) };
    case 'bool':
      return common;
  }
}
