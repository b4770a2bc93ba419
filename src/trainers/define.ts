import {
  type ConfigSchema,
  checkMetricDeclarations,
  schemaDefaults,
  validateConfig,
} from './schema/index.js';
import { PHASE_METRIC, type TrainerDefinition } from './types.js';

/** A trainer as written by its author: everything but what the schema derives. */
export type TrainerDeclaration<C extends object> = Omit<TrainerDefinition<C>, 'defaults' | 'compile'> & {
  /**
   * Checks across fields and derived values, run on a config that already passed the schema
   * (e.g. the Neural GPU's memory bound, the mnist split sizes). Throws like `compile`.
   */
  readonly refine?: (config: C) => C;
};

/** Field names are camelCase identifiers, so their snake_case (the wire's name) maps back one to one. */
const FIELD_NAME = /^[a-z][a-zA-Z0-9]*$/;

/**
 * Checks a trainer definition when it is loaded, throwing an `Error` that names the trainer: field
 * names that could not travel on the wire, a default config its own schema refuses, or metrics
 * declared twice or both per step and per evaluation (see `checkMetricDeclarations`).
 */
export function checkDefinition(definition: TrainerDefinition): void {
  const { name } = definition;
  if (!/^[a-z][a-z0-9_]*$/.test(name))
    throw new Error(`trainer name ${JSON.stringify(name)} is not lower_snake_case`);
  checkFieldNames(name, definition.schema, '');
  try {
    // Missing fields take their defaults unchecked, so the defaults are checked here, once.
    validateConfig(definition.schema, schemaDefaults(definition.schema));
  } catch (error) {
    throw new Error(`trainer ${name}: its schema's defaults are invalid: ${(error as Error).message}`);
  }
  checkMetricDeclarations(name, definition.metrics);
  checkPhases(definition);
}

/**
 * Phases are lower_snake_case, at least one, none twice; the runtime reports them as the metric
 * `phase`, so a trainer with phases may not declare that name itself.
 */
function checkPhases({ name, phases, metrics }: TrainerDefinition): void {
  if (phases === undefined) return;
  if (phases.length === 0) throw new Error(`trainer ${name}: phases is empty; leave it out instead`);
  for (const [i, phase] of phases.entries()) {
    if (!/^[a-z][a-z0-9_]*$/.test(phase))
      throw new Error(`trainer ${name}: phase ${JSON.stringify(phase)} is not lower_snake_case`);
    if (phases.indexOf(phase) !== i) throw new Error(`trainer ${name}: phase ${phase} is declared twice`);
  }
  if (metrics.some((metric) => metric.name === PHASE_METRIC))
    throw new Error(`trainer ${name}: metric ${PHASE_METRIC} is reported by the runtime for its phases`);
}

function checkFieldNames(trainer: string, schema: ConfigSchema, prefix: string): void {
  for (const [key, field] of Object.entries(schema)) {
    if (!FIELD_NAME.test(key))
      throw new Error(`trainer ${trainer}: config field ${prefix}${key} is not camelCase`);
    if (field.kind === 'object') checkFieldNames(trainer, field.fields, `${prefix}${key}.`);
  }
}

/**
 * Builds a trainer definition from its declaration: `defaults` from the schema, `compile` as schema
 * validation followed by `refine`. Refuses a bad declaration at once (see {@link checkDefinition}).
 */
export function defineTrainer<C extends object>(declaration: TrainerDeclaration<C>): TrainerDefinition<C> {
  const { refine, ...rest } = declaration;
  const definition: TrainerDefinition<C> = {
    ...rest,
    defaults: schemaDefaults(declaration.schema) as C,
    compile(config: C): C {
      const checked = validateConfig(declaration.schema, config) as C;
      return refine === undefined ? checked : refine(checked);
    },
  };
  checkDefinition(definition as unknown as TrainerDefinition);
  return definition;
}
