import { invalidArgument } from '../core/index.js';
import { SWEEP_LIMITS } from './limits.js';
import type { AxisField, AxisValue, Distribution, RequestedDistribution } from './types.js';

/** Significant digits of a sampled real number: its cell name is its exact value. */
const SAMPLE_DIGITS = 6;

/**
 * Validates a requested distribution for `field`, naming `<prefix>.kind`, `.low`, `.high`,
 * `.choices[j]` or `.weights[j]`. Each bound, and each choice, must parse as a value of the field;
 * the caller checks that each makes a valid run.
 */
export function compileDistribution(
  field: AxisField,
  requested: RequestedDistribution,
  prefix: string,
): Distribution {
  const { kind } = requested;
  if (kind === undefined) {
    throw invalidArgument(
      `${prefix}.kind`,
      'DISTRIBUTION_KIND_UNSPECIFIED',
      'UNIFORM, LOG_UNIFORM, INT or CHOICE',
    );
  }
  if (kind === 'choice') return compileChoice(field, requested, prefix);
  const low = requested.low ?? 0;
  const high = requested.high ?? 0;
  for (const [name, bound] of [
    ['low', low],
    ['high', high],
  ] as const) {
    if (!Number.isFinite(bound)) throw invalidArgument(`${prefix}.${name}`, bound, 'a finite number');
    if (kind === 'int' && !Number.isSafeInteger(bound))
      throw invalidArgument(`${prefix}.${name}`, bound, 'an integer (kind INT)');
    if (kind === 'log_uniform' && bound <= 0)
      throw invalidArgument(`${prefix}.${name}`, bound, '> 0 (kind LOG_UNIFORM)');
    field.parse(String(bound), `${prefix}.${name}`);
  }
  if (kind === 'int' ? high < low : high <= low) {
    throw invalidArgument(`${prefix}.high`, high, `${kind === 'int' ? '>=' : '>'} low (${low})`);
  }
  return { kind, low, high };
}

function compileChoice(field: AxisField, requested: RequestedDistribution, prefix: string): Distribution {
  const choices = requested.choices ?? [];
  const weights = requested.weights ?? [];
  if (choices.length === 0 || choices.length > SWEEP_LIMITS.maxValuesPerAxis) {
    throw invalidArgument(
      `${prefix}.choices`,
      `${choices.length} choices`,
      `1-${SWEEP_LIMITS.maxValuesPerAxis} choices (kind CHOICE)`,
    );
  }
  const texts = choices.map((text, j) => {
    if (text.length > SWEEP_LIMITS.maxValueLength) {
      throw invalidArgument(
        `${prefix}.choices[${j}]`,
        text,
        `at most ${SWEEP_LIMITS.maxValueLength} characters`,
      );
    }
    return field.parse(text, `${prefix}.choices[${j}]`).text;
  });
  texts.forEach((text, j) => {
    const first = texts.indexOf(text);
    if (first !== j)
      throw invalidArgument(
        `${prefix}.choices[${j}]`,
        choices[j],
        `a choice not listed already (choices[${first}])`,
      );
  });
  if (weights.length !== 0 && weights.length !== choices.length) {
    throw invalidArgument(
      `${prefix}.weights`,
      `${weights.length} weights`,
      `none (equal weights) or one per choice (${choices.length})`,
    );
  }
  weights.forEach((w, j) => {
    if (!Number.isFinite(w) || w < 0)
      throw invalidArgument(`${prefix}.weights[${j}]`, w, 'a finite number >= 0');
  });
  if (weights.length > 0 && weights.every((w) => w === 0)) {
    throw invalidArgument(`${prefix}.weights`, 'all 0', 'at least one weight > 0');
  }
  return {
    kind: 'choice',
    choices: texts,
    weights: weights.length === 0 ? texts.map(() => 1) : [...weights],
  };
}

/**
 * The value of `distribution` at `u`, a uniform number in [0, 1): the inverse of its distribution
 * function, so one draw per (trial, axis) gives one sample. Real numbers are rounded to 6
 * significant digits (and kept within [low, high]) so the cell name states the exact value run.
 */
export function sampleText(distribution: Distribution, u: number): string {
  switch (distribution.kind) {
    case 'uniform':
      return rounded(distribution.low + u * (distribution.high - distribution.low), distribution);
    case 'log_uniform': {
      const { low, high } = distribution;
      return rounded(Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low))), distribution);
    }
    case 'int':
      return String(distribution.low + Math.floor(u * (distribution.high - distribution.low + 1)));
    case 'choice': {
      const total = distribution.weights.reduce((a, b) => a + b, 0);
      let rest = u * total;
      for (let j = 0; j < distribution.choices.length; j++) {
        const weight = distribution.weights[j] as number;
        if (weight > 0 && rest < weight) return distribution.choices[j] as string;
        rest -= weight;
      }
      // Rounding left `rest` at the total: the last choice with weight.
      const last = distribution.weights.findLastIndex((w) => w > 0);
      return distribution.choices[last] as string;
    }
  }
}

function rounded(x: number, bounds: { readonly low: number; readonly high: number }): string {
  const value = Math.min(bounds.high, Math.max(bounds.low, Number(x.toPrecision(SAMPLE_DIGITS))));
  return String(value);
}

/** The sampled text parsed by the field (the form a grid value takes). */
export function sampleValue(
  field: AxisField,
  distribution: Distribution,
  u: number,
  errorField: string,
): AxisValue {
  return field.parse(sampleText(distribution, u), errorField);
}
