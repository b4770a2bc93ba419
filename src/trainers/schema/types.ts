/**
 * The declared shape of a trainer: its config schema and its metrics. Everything else about a
 * trainer's config (defaults, validation and its error paths, the wire mapping, ListTrainers, the
 * CLI's `--set`, sweep axes) is derived from these declarations, so a field is described once.
 *
 * Field names are the domain's camelCase (`batchSize`); the wire uses their snake_case
 * (`batch_size`), in the typed proto messages and as `config_struct` keys alike.
 */

interface FieldCommon {
  /** One line for ListTrainers and `--help`: what the field means, and the paper's value if any. */
  readonly doc: string;
}

/** An integer in [min, max]; `odd` restricts it to odd values. */
export interface IntField extends FieldCommon {
  readonly kind: 'int';
  /** Absent: the field is optional and stays absent from the compiled config when not given. */
  readonly default?: number;
  readonly min: number;
  readonly max: number;
  readonly odd?: boolean;
}

/** A finite number in [min, max], or [min, max) when `maxExclusive`. */
export interface FloatField extends FieldCommon {
  readonly kind: 'float';
  readonly default?: number;
  readonly min: number;
  readonly max: number;
  readonly maxExclusive?: boolean;
}

export interface BoolField extends FieldCommon {
  readonly kind: 'bool';
  readonly default?: boolean;
}

export interface StringField extends FieldCommon {
  readonly kind: 'string';
  readonly default?: string;
  /** Longest accepted value, in UTF-16 code units. Default 4096. */
  readonly maxLength?: number;
}

/**
 * One of `choices`. On the wire a typed message carries it as the proto enum value
 * `protoEnumPrefix + UPPER(choice)` (e.g. `MLP_INIT_` + `he` = `MLP_INIT_HE`); the prefix's
 * `UNSPECIFIED` value means "not given".
 */
export interface EnumField extends FieldCommon {
  readonly kind: 'enum';
  readonly choices: readonly string[];
  readonly default?: string;
  readonly protoEnumPrefix: string;
}

/** A list of at most `maxItems` integers, each in [min, max]. */
export interface IntListField extends FieldCommon {
  readonly kind: 'intList';
  readonly default?: readonly number[];
  readonly min: number;
  readonly max: number;
  readonly maxItems: number;
}

/** A nested object (e.g. mlp's `data`); its default is the defaults of its own fields. */
export interface ObjectField extends FieldCommon {
  readonly kind: 'object';
  readonly fields: ConfigSchema;
}

export type FieldSchema =
  | IntField
  | FloatField
  | BoolField
  | StringField
  | EnumField
  | IntListField
  | ObjectField;

/** A config's fields by name, in declaration order (the compiled config keeps that order). */
export type ConfigSchema = Readonly<Record<string, FieldSchema>>;

/** When a metric is reported: by `trainStep` (every step) or by `evaluate` (every `evalEvery`). */
export type MetricWhen = 'step' | 'evaluation';

/**
 * A metric a trainer reports. `name` may hold one placeholder in braces standing for a decimal
 * number, e.g. `test_seq_error_len{L}` for `test_seq_error_len40`: a family of metrics whose
 * members depend on the config.
 */
export interface MetricDeclaration {
  readonly name: string;
  readonly when: MetricWhen;
  /** Which way is better, for sweeps' objectives and dashboards. */
  readonly direction: 'min' | 'max';
  readonly doc: string;
  /**
   * A NaN or ±∞ value ends the run FAILED (the state is poisoned). A per-step metric with this flag
   * must be reported by every step; an evaluation metric is checked when it is reported.
   */
  readonly finite?: boolean;
}
