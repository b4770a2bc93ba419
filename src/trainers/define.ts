import {
  type ConfigSchema,
  checkMetricDeclarations,
  schemaDefaults,
  validateConfig,
} from './schema/index.js';
import type { TrainerDefinition } from './types.js';

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
 * Phases are lower_snake_case, at least one, none twice. (The runtime reports them as the metric
 * `phase`, which no trainer may declare: see `checkMetricDeclarations`.)
 */
function checkPhases({ name, phases }: TrainerDefinition): void {
  if (phases === undefined) return;
  if (phases.length === 0) throw new Error(`trainer ${name}: phases is empty; leave it out instead`);
  for (const [i, phase] of phases.entries()) {
    if (!/^[a-z][a-z0-9_]*$/.test(phase))
      throw new Error(`trainer ${name}: phase ${JSON.stringify(phase)} is not lower_snake_case`);
    if (phases.indexOf(phase) !== i) throw new Error(`trainer ${name}: phase ${phase} is declared twice`);
  }
}

/**
 * Names that travel on the wire, and what the types promise (plugins are plain JS): a known kind,
 * finite bounds with min <= max, a list size, enum choices and prefix, and a doc line.
 */
function checkFieldNames(trainer: string, schema: ConfigSchema, prefix: string): void {
  for (const [key, field] of Object.entries(schema)) {
    const at = `trainer ${trainer}: config field ${prefix}${key}`;
    if (!FIELD_NAME.test(key)) throw new Error(`${at} is not camelCase`);
    if (typeof field.doc !== 'string' || field.doc === '') throw new Error(`${at} has no doc line`);
    switch (field.kind) {
      case 'int':
      case 'float':
      case 'intList':
        if (!Number.isFinite(field.min) || !Number.isFinite(field.max) || field.min > field.max)
          throw new Error(
            `${at} has bounds [${field.min}, ${field.max}]; allowed: finite numbers, min <= max`,
          );
        if (field.kind === 'intList' && !(Number.isInteger(field.maxItems) && field.maxItems >= 0))
          throw new Error(`${at} has maxItems ${field.maxItems}; allowed: an integer >= 0`);
        break;
      case 'enum':
        if (
          !Array.isArray(field.choices) ||
          field.choices.length === 0 ||
          typeof field.protoEnumPrefix !== 'string'
        )
          throw new Error(`${at} needs non-empty choices and a protoEnumPrefix`);
        break;
      case 'object':
        checkFieldNames(trainer, field.fields, `${prefix}${key}.`);
        break;
      case 'bool':
      case 'string':
        break;
      default:
        throw new Error(
          `${at} has kind ${JSON.stringify((field as { kind: unknown }).kind)}; allowed: int, float, bool, string, enum, intList, object`,
        );
    }
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
