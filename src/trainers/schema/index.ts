export { checkMetricDeclarations, findMetric } from './metrics.js';
export type {
  BoolField,
  ConfigSchema,
  EnumField,
  FieldSchema,
  FloatField,
  IntField,
  IntListField,
  MetricDeclaration,
  MetricWhen,
  ObjectField,
  StringField,
} from './types.js';
export { allowedText, fieldDefault, schemaDefaults, validateConfig, validateField } from './validate.js';
