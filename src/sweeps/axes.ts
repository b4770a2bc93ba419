import { AppError, invalidArgument } from '../core/index.js';
import { compileRunSpec } from '../runs/compile-spec.js';
import type { DataRootPolicy } from '../runs/index.js';
import type { TrainerRegistry } from '../trainers/index.js';
import { axisNames } from './grid.js';
import { SWEEP_LIMITS } from './limits.js';
import type { AxisField, AxisValue, RunTemplate, SweepAxis, SweepRequest } from './types.js';

/** Axes resolved against the template: fields, parsed values, and their stored form. */
export interface CompiledAxes {
  readonly fields: readonly AxisField[];
  readonly values: readonly (readonly AxisValue[])[];
  readonly axes: readonly SweepAxis[];
}

/** The one field the arms own: with compare_noise the no-noise arm sets it to 0. */
const ETA_FIELD = 'noise.eta';

/**
 * Resolves every axis field through the template and parses its values, naming the offending
 * `axes[i].field` or `axes[i].values[j]`. Rejects a field swept twice, duplicate values (after
 * canonicalisation: "0.10" is "0.1"), and noise.eta while compare_noise is on.
 */
export function compileAxes(
  template: RunTemplate,
  requested: SweepRequest['axes'],
  compareNoise: boolean,
): CompiledAxes {
  if (requested.length > SWEEP_LIMITS.maxAxes) {
    throw invalidArgument('axes', `${requested.length} axes`, `at most ${SWEEP_LIMITS.maxAxes}`);
  }
  const fields: AxisField[] = [];
  const values: AxisValue[][] = [];
  requested.forEach((axis, i) => {
    const field = template.field(axis.field, `axes[${i}].field`);
    const twin = fields.findIndex((f) => f.path === field.path);
    if (twin >= 0)
      throw invalidArgument(`axes[${i}].field`, axis.field, `a field not swept already (axes[${twin}])`);
    if (compareNoise && field.path === ETA_FIELD) {
      throw invalidArgument(
        `axes[${i}].field`,
        axis.field,
        'a field other than noise.eta while compare_noise is true (the arms set eta; sweep eta with compare_noise false and 0 among the values)',
      );
    }
    if (axis.values.length === 0 || axis.values.length > SWEEP_LIMITS.maxValuesPerAxis) {
      throw invalidArgument(
        `axes[${i}].values`,
        `${axis.values.length} values`,
        `1-${SWEEP_LIMITS.maxValuesPerAxis} values`,
      );
    }
    const parsed = axis.values.map((text, j) => {
      if (text.length > SWEEP_LIMITS.maxValueLength) {
        throw invalidArgument(
          `axes[${i}].values[${j}]`,
          text,
          `at most ${SWEEP_LIMITS.maxValueLength} characters`,
        );
      }
      return field.parse(text, `axes[${i}].values[${j}]`);
    });
    parsed.forEach((value, j) => {
      const first = parsed.findIndex((v) => v.text === value.text);
      if (first !== j) {
        throw invalidArgument(
          `axes[${i}].values[${j}]`,
          axis.values[j],
          `a value not listed already (values[${first}])`,
        );
      }
    });
    fields.push(field);
    values.push(parsed);
  });
  const names = axisNames(fields.map((f) => f.path));
  const axes = fields.map((field, i) => ({
    field: field.path,
    name: names[i] as string,
    values: (values[i] as AxisValue[]).map((v) => v.text),
  }));
  return { fields, values, axes };
}

/**
 * Checks that every axis value makes a valid run with the base alone, so a bad value is reported as
 * `axes[i].values[j]` with the reason the run rejects it, before any combination is tried.
 */
export function checkEachValue(
  template: RunTemplate,
  compiled: CompiledAxes,
  dataRoots: DataRootPolicy,
  trainers: TrainerRegistry,
): void {
  compiled.fields.forEach((field, i) => {
    (compiled.values[i] as AxisValue[]).forEach((value, j) => {
      try {
        compileRunSpec(template.build([{ field, value }]), dataRoots, trainers);
      } catch (error) {
        throw relabel(`axes[${i}].values[${j}]`, value.text, error);
      }
    });
  });
}

/**
 * Re-raises a run validation error under a sweep field: `mlp.depth: got 0; allowed: X` becomes
 * `axes[0].values[1]: got "0"; allowed: X (mlp.depth)`. Other errors pass through.
 */
export function relabel(field: string, text: string, error: unknown): unknown {
  if (!(error instanceof AppError) || error.code !== 'INVALID_ARGUMENT') return error;
  const match = /^(\S+): got .*?; allowed: (.*)$/s.exec(error.message);
  const allowed = match ? `${match[2]} (${snakeCase(match[1] as string)})` : error.message;
  return invalidArgument(field, text, allowed, { cause: error });
}

function snakeCase(path: string): string {
  return path.replace(/(?<=[a-z0-9])([A-Z])/g, (c) => `_${c.toLowerCase()}`);
}
