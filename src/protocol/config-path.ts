import { invalidArgument } from '../core/index.js';
import type { Json } from './struct.js';

/**
 * Field paths into a trainer config that travels as `config_struct`, resolved against the
 * trainer's declared schema as ListTrainers publishes it (`TrainerInfo.config_fields`) rather than
 * against proto descriptors: a plugin trainer has no typed message. The grammar is the one of
 * `field-path.ts`: `<trainer>.<field>[.<field>]=<text>`, snake_case (camelCase accepted), e.g.
 * `logreg.batch_size=64`. The CLI's `--set` and the sweep axes of such a trainer both use it, so a
 * path means the same to either. Ranges are left to the server's schema validation; the text is
 * only parsed by the field's kind.
 */

/** The part of a `ConfigField` (ListTrainers) a path needs; the generated type fits. */
export interface ConfigFieldNode {
  readonly name?: string;
  /** `CONFIG_FIELD_KIND_INT`, … (enum names, as the loader options give them). */
  readonly kind?: string | number;
  readonly choices?: readonly string[];
  readonly fields?: readonly ConfigFieldNode[];
}

export interface ConfigPath {
  /** The canonical path, trainer first, snake_case: `logreg.batch_size`. */
  readonly path: string;
  /** The Struct keys below the trainer, snake_case: `['batch_size']`. */
  readonly keys: readonly string[];
  readonly field: ConfigFieldNode;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

function snakeCase(name: string): string {
  return name.replace(/(?<=[a-z0-9])([A-Z])/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Resolves `path` when its first segment is `trainer`; `undefined` when it names something else
 * (a field of the request itself). The leaf must be a scalar or an int list, not an object.
 * Throws INVALID_ARGUMENT on `errorField` listing the fields allowed where it does not resolve.
 */
export function resolveConfigPath(
  trainer: string,
  fields: readonly ConfigFieldNode[],
  path: string,
  errorField: string,
): ConfigPath | undefined {
  const [head, ...rest] = path.split('.');
  if (head !== trainer) return undefined;
  if (rest.length === 0) throw invalidArgument(errorField, path, `${trainer}.<field>: a field of its config`);
  let level = fields;
  let field: ConfigFieldNode | undefined;
  const keys: string[] = [];
  for (const segment of rest) {
    if (field !== undefined) level = field.fields ?? [];
    const name = snakeCase(segment);
    field = level.find((f) => f.name === name);
    if (field === undefined) {
      const names = level.map((f) => `${[trainer, ...keys, f.name].join('.')}`);
      throw invalidArgument(errorField, path, `a config field of trainer ${trainer} (${names.join(', ')})`);
    }
    keys.push(name);
  }
  const leaf = field as ConfigFieldNode;
  if (leaf.kind === 'CONFIG_FIELD_KIND_OBJECT') {
    const names = (leaf.fields ?? []).map((f) => `${[trainer, ...keys, f.name].join('.')}`);
    throw invalidArgument(errorField, path, `one of its fields (${names.join(', ')})`);
  }
  return { path: [trainer, ...keys].join('.'), keys, field: leaf };
}

/** Parses `text` by the field's kind; an int list is comma-separated. Returns the value and its canonical text. */
export function parseConfigValue(
  field: ConfigFieldNode,
  text: string,
  errorField: string,
): { readonly value: Json; readonly text: string } {
  const trimmed = text.trim();
  const integer = (item: string, at: string): number => {
    if (!INTEGER.test(item.trim())) throw invalidArgument(at, item, 'an integer');
    return Number(item.trim());
  };
  switch (field.kind) {
    case 'CONFIG_FIELD_KIND_INT': {
      const value = integer(text, errorField);
      return { value, text: String(value) };
    }
    case 'CONFIG_FIELD_KIND_FLOAT': {
      const value = Number(trimmed);
      if (!NUMBER.test(trimmed) || !Number.isFinite(value))
        throw invalidArgument(errorField, text, 'a number');
      return { value, text: String(value) };
    }
    case 'CONFIG_FIELD_KIND_BOOL': {
      const lower = trimmed.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw invalidArgument(errorField, text, 'true or false');
      return { value: lower === 'true', text: lower };
    }
    case 'CONFIG_FIELD_KIND_ENUM': {
      const choices = field.choices ?? [];
      const choice = choices.find((c) => c === trimmed || c === trimmed.toLowerCase());
      if (choice === undefined) throw invalidArgument(errorField, text, `one of: ${choices.join(', ')}`);
      return { value: choice, text: choice };
    }
    case 'CONFIG_FIELD_KIND_INT_LIST': {
      const items =
        trimmed === '' ? [] : text.split(',').map((item, i) => integer(item, `${errorField}[${i}]`));
      return { value: items, text: items.join(',') };
    }
    default:
      return { value: text, text };
  }
}

/**
 * Sets `value` at `keys` (snake_case) in a config's JSON, creating the objects along the way, and
 * returns a new object. A key given camelCase in `config` is replaced, not doubled.
 */
export function setConfigValue(
  config: Readonly<Record<string, Json>>,
  keys: readonly string[],
  value: Json,
): Record<string, Json> {
  const [key, ...rest] = keys as [string, ...string[]];
  const twin = Object.keys(config).find((k) => snakeCase(k) === key);
  const { [twin ?? key]: child, ...others } = config;
  if (rest.length === 0) return { ...others, [key]: value };
  const inner = typeof child === 'object' && child !== null && !Array.isArray(child) ? child : {};
  return { ...others, [key]: setConfigValue(inner, rest, value) };
}
