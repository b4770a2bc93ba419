import { invalidArgument, runStreams, Stream } from '../core/index.js';
import { compileRunSpec } from '../runs/compile-spec.js';
import type { DataRootPolicy } from '../runs/index.js';
import type { TrainerRegistry } from '../trainers/index.js';
import { relabel } from './axes.js';
import { compileDistribution, sampleValue } from './distribution.js';
import { axisNames } from './grid.js';
import { SWEEP_LIMITS } from './limits.js';
import type { AxisField, AxisValue, Distribution, RunTemplate, SweepAxis, SweepRequest } from './types.js';

/** A random search resolved against the template: fields, and per trial one value per axis. */
export interface CompiledSearch {
  readonly fields: readonly AxisField[];
  /** The stored axes: field, short name, and the distribution (a list axis is an equal-weight choice). */
  readonly axes: readonly SweepAxis[];
  /** `samples[t][a]`: trial t's value of axis a. */
  readonly samples: readonly (readonly AxisValue[])[];
  /** Per axis: whether the request gave it `values` (named `axes[i].values[j]` in errors). */
  readonly listed: readonly boolean[];
}

/** The field the arms own (see `compileAxes`): sampled, it is each trial's noise-arm eta. */
const ETA_FIELD = 'noise.eta';

/** The stream version of the samples: fixed, so a stored sweep seed always names the same trials. */
const SAMPLE_STREAM_VERSION = 2;

/**
 * Random search (Bergstra & Bengio 2012; the paper's Table 5 searched 7,290 random trials, §4.5):
 * `trials` configurations, each axis drawn independently from its distribution, a list axis
 * uniformly from its values.
 *
 * The draw of trial t on axis a is the first number of the stream (sweep seed, `sweepSample`, t, a)
 * of `core/random.ts`: the samples are a pure function of the sweep seed (checked by the caller) and the
 * request, and trial t does not depend on how many trials there are, so a larger sweep with the same seed starts with
 * the same trials. Errors name `trials`, `sweep_seed`, `axes[i].field`, `axes[i].values[j]` and
 * `axes[i].distribution.*`.
 */
export function compileSearch(
  template: RunTemplate,
  requested: SweepRequest['axes'],
  trials: number,
  sweepSeed: number,
  compareNoise: boolean,
): CompiledSearch {
  if (!Number.isInteger(trials) || trials < 1 || trials > SWEEP_LIMITS.maxRuns) {
    throw invalidArgument('trials', trials, `an integer in [0, ${SWEEP_LIMITS.maxRuns}] (0: a grid)`);
  }
  if (requested.length > SWEEP_LIMITS.maxAxes) {
    throw invalidArgument('axes', `${requested.length} axes`, `at most ${SWEEP_LIMITS.maxAxes}`);
  }
  const fields: AxisField[] = [];
  const distributions: Distribution[] = [];
  requested.forEach((axis, i) => {
    const field = template.field(axis.field, `axes[${i}].field`);
    const twin = fields.findIndex((f) => f.path === field.path);
    if (twin >= 0)
      throw invalidArgument(`axes[${i}].field`, axis.field, `a field not swept already (axes[${twin}])`);
    const distribution = axisDistribution(field, axis, i);
    if (compareNoise && field.path === ETA_FIELD) checkNoiseArmEta(distribution, axis, i);
    fields.push(field);
    distributions.push(distribution);
  });
  const streams = runStreams(sweepSeed, SAMPLE_STREAM_VERSION);
  const samples = Array.from({ length: trials }, (_, t) =>
    fields.map((field, a) =>
      sampleValue(
        field,
        distributions[a] as Distribution,
        streams.stream(Stream.sweepSample, t, a).uniform(),
        `axes[${a}].distribution`,
      ),
    ),
  );
  const names = axisNames(fields.map((f) => f.path));
  const axes = fields.map((field, i) => ({
    field: field.path,
    name: names[i] as string,
    values: [],
    distribution: distributions[i] as Distribution,
  }));
  return { fields, axes, samples, listed: requested.map((axis) => axis.distribution === undefined) };
}

/**
 * With compare_noise a trial's noise arm runs with its sampled eta and its control with 0 (unlike a
 * grid, where eta values would repeat each control run), so every possible eta must be > 0.
 */
function checkNoiseArmEta(distribution: Distribution, axis: SweepRequest['axes'][number], i: number): void {
  const why = '> 0 while compare_noise is true (the noise arm needs noise; its control runs with 0)';
  if (distribution.kind !== 'choice') {
    if (distribution.low <= 0) throw invalidArgument(`axes[${i}].distribution.low`, distribution.low, why);
    return;
  }
  distribution.choices.forEach((text, j) => {
    if (Number(text) <= 0) {
      const field =
        axis.distribution === undefined ? `axes[${i}].values[${j}]` : `axes[${i}].distribution.choices[${j}]`;
      throw invalidArgument(field, text, why);
    }
  });
}

/** An axis' distribution: its own, or an equal-weight choice over its values. Not both. */
function axisDistribution(field: AxisField, axis: SweepRequest['axes'][number], i: number): Distribution {
  if (axis.distribution !== undefined) {
    if (axis.values.length > 0) {
      throw invalidArgument(
        `axes[${i}].values`,
        `${axis.values.length} values`,
        'none when distribution is set',
      );
    }
    return compileDistribution(field, axis.distribution, `axes[${i}].distribution`);
  }
  if (axis.values.length === 0 || axis.values.length > SWEEP_LIMITS.maxValuesPerAxis) {
    throw invalidArgument(
      `axes[${i}].values`,
      `${axis.values.length} values`,
      `1-${SWEEP_LIMITS.maxValuesPerAxis} values, or a distribution`,
    );
  }
  const choices = axis.values.map((text, j) => {
    if (text.length > SWEEP_LIMITS.maxValueLength) {
      throw invalidArgument(
        `axes[${i}].values[${j}]`,
        text,
        `at most ${SWEEP_LIMITS.maxValueLength} characters`,
      );
    }
    return field.parse(text, `axes[${i}].values[${j}]`).text;
  });
  choices.forEach((text, j) => {
    const first = choices.indexOf(text);
    if (first !== j)
      throw invalidArgument(
        `axes[${i}].values[${j}]`,
        axis.values[j],
        `a value not listed already (values[${first}])`,
      );
  });
  return { kind: 'choice', choices, weights: choices.map(() => 1) };
}

/**
 * Checks that each distribution's bounds (or choices) make a valid run with the base alone, so a
 * bad range is reported on `axes[i].distribution.low` with the reason, before any trial.
 */
export function checkDistributions(
  template: RunTemplate,
  search: CompiledSearch,
  dataRoots: DataRootPolicy,
  trainers: TrainerRegistry,
): void {
  search.axes.forEach((axis, i) => {
    const field = search.fields[i] as AxisField;
    const d = axis.distribution as Distribution;
    const choiceField = search.listed[i] ? `axes[${i}].values` : `axes[${i}].distribution.choices`;
    const probes: [string, string][] =
      d.kind === 'choice'
        ? d.choices.map((text, j) => [`${choiceField}[${j}]`, text])
        : [
            [`axes[${i}].distribution.low`, String(d.low)],
            [`axes[${i}].distribution.high`, String(d.high)],
          ];
    for (const [errorField, text] of probes) {
      try {
        const value = field.parse(text, errorField);
        compileRunSpec(template.build([{ field, value }]), dataRoots, trainers);
      } catch (error) {
        throw relabel(errorField, text, error);
      }
    }
  });
}
