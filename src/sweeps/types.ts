import type { EarlyStopping, RunSpec } from '../core/index.js';
import type { RunRequest } from '../runs/compile-spec.js';

/**
 * The two arms of the paper's comparison: the same configuration and seed trained without noise
 * (eta = 0) and with the annealed gradient noise of §3, Eq. 1.
 */
export type Arm = 'no_noise' | 'noise';

/** Report and grid order of the arms: the control first. */
export const ARMS: readonly Arm[] = ['no_noise', 'noise'];

/** Whether a larger (accuracy, Table 1) or a smaller (error, Table 5) objective is better. */
export type ObjectiveMode = 'max' | 'min';

export interface Objective {
  /** Metric name as trainers report it, e.g. `test_accuracy`. */
  readonly metric: string;
  readonly mode: ObjectiveMode;
  /** Table 5 style: the report counts the runs that reach each, in this order. */
  readonly thresholds: readonly number[];
}

/** An axis value: its canonical text (used in cell names) and the payload the template sets. */
export interface AxisValue {
  readonly text: string;
  readonly value: unknown;
}

/** A field of the run template that an axis sweeps. */
export interface AxisField {
  /** Canonical path, e.g. `optimizer.learning_rate`. */
  readonly path: string;
  /** Parses one value; throws INVALID_ARGUMENT on `errorField` when the text does not fit the field. */
  parse(text: string, errorField: string): AxisValue;
}

export interface AxisAssignment {
  readonly field: AxisField;
  readonly value: AxisValue;
}

/**
 * The run template a sweep starts from, and the port through which axes reach it. The server
 * implements it over the StartRunRequest message (any scalar field can be an axis); tests can
 * implement it over a plain RunRequest.
 */
export interface RunTemplate {
  /** The base run, as a request (defaults not yet filled). */
  readonly base: RunRequest;
  /** Labels every run of the sweep carries from the template. */
  readonly labels: Readonly<Record<string, string>>;
  /** Resolves an axis field; throws INVALID_ARGUMENT on `errorField` for a field that cannot be swept. */
  field(path: string, errorField: string): AxisField;
  /** The base with these values set. May throw INVALID_ARGUMENT naming the run field. */
  build(assignments: readonly AxisAssignment[]): RunRequest;
}

/** A StartSweep request in domain terms, before defaults. */
export interface SweepRequest {
  readonly name: string;
  readonly template: RunTemplate;
  /** An axis lists `values` (a grid, or an equal-weight choice in a random search) or has a `distribution`. */
  readonly axes: readonly {
    readonly field: string;
    readonly values: readonly string[];
    readonly distribution?: RequestedDistribution;
  }[];
  /** Seeds per cell and arm; 0 means 1. */
  readonly seeds: number;
  /** Random search: this many sampled configurations (cells). 0 or absent: a grid. */
  readonly trials?: number;
  /** Seed of the random search's samples; default 0. */
  readonly sweepSeed?: number;
  /** ASHA early stopping of the sweep's runs; absent: every run trains its whole budget. */
  readonly earlyStopping?: RequestedEarlyStopping;
  /** Default true. */
  readonly compareNoise?: boolean;
  readonly objective?: RequestedObjective;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * An objective as requested (StartSweep's, or GetSweep's override), before `compileObjective` fills
 * its defaults: an absent or empty field takes the default.
 */
export interface RequestedObjective {
  readonly metric?: string;
  readonly mode?: ObjectiveMode;
  readonly thresholds?: readonly number[];
}

/** A compiled axis: its field, its short name in cell keys, and its canonical values. */
export interface SweepAxis {
  readonly field: string;
  readonly name: string;
  /** A grid axis' values; empty in a random search. */
  readonly values: readonly string[];
  /** A random search's axis: what it samples (a listed axis is an equal-weight choice). */
  readonly distribution?: Distribution;
}

/** One point of the grid. `key` is its name, e.g. `learning_rate=0.1,init=zero` (`base` with no axes). */
export interface SweepCell {
  readonly index: number;
  readonly key: string;
  /** One value index per axis. */
  readonly valueIndices: readonly number[];
}

/**
 * What is stored for a sweep (the `sweeps.spec` column): the compiled request, every default
 * filled. Its runs are rows of their own; its cells follow from `axes` (see `sweepCells`).
 */
export interface SweepSpec {
  readonly name: string;
  /** The compiled template. */
  readonly base: RunSpec;
  /** Labels from the template, on every run. */
  readonly baseLabels: Readonly<Record<string, string>>;
  readonly axes: readonly SweepAxis[];
  readonly seeds: { readonly first: number; readonly count: number };
  readonly compareNoise: boolean;
  readonly objective: Objective;
  /** A random search: its trials (the cells, in order) and the seed they were sampled from. */
  readonly search?: {
    readonly trials: number;
    readonly sweepSeed: number;
    /** `samples[t][a]`: the canonical text of trial t's value of axis a. */
    readonly samples: readonly (readonly string[])[];
  };
  /** ASHA early stopping, defaults filled; absent: none. */
  readonly earlyStopping?: EarlyStopping;
  /** Labels of the sweep, on every run too. */
  readonly labels: Readonly<Record<string, string>>;
}

/** One run the sweep queues, in grid order (cell, then seed, then arm). */
export interface PlannedRun {
  readonly index: number;
  readonly cell: string;
  readonly arm: Arm;
  readonly seed: number;
  readonly spec: RunSpec;
}

export interface SweepPlan {
  readonly spec: SweepSpec;
  readonly cells: readonly SweepCell[];
  readonly runs: readonly PlannedRun[];
}

/** One averaged learning curve: a cell and arm, ascending steps. */
export interface SweepCurve {
  readonly cell: string;
  readonly arm: Arm;
  readonly points: readonly {
    readonly step: number;
    readonly mean: number;
    readonly min: number;
    readonly max: number;
    readonly runs: number;
  }[];
}

/**
 * What a random-search axis samples from (sweeps.proto `SweepDistribution`):
 * - `uniform`: a real number uniform in [low, high];
 * - `log_uniform`: a real number whose logarithm is uniform in [log low, log high] (0 < low), the
 *   usual prior for a learning rate or the noise's η (§4: η ∈ {0.01, 0.3, 1.0} spans decades);
 * - `int`: an integer uniform in [low, high], both ends included;
 * - `choice`: one of `choices` (texts the field parses, as a grid axis' values), each with
 *   probability proportional to its weight.
 */
export type Distribution =
  | { readonly kind: 'uniform' | 'log_uniform' | 'int'; readonly low: number; readonly high: number }
  | { readonly kind: 'choice'; readonly choices: readonly string[]; readonly weights: readonly number[] };

export type DistributionKind = Distribution['kind'];

/** A distribution as requested, before validation: absent fields are empty. */
export interface RequestedDistribution {
  /** Undefined: not given (DISTRIBUTION_KIND_UNSPECIFIED). */
  readonly kind?: DistributionKind;
  readonly low?: number;
  readonly high?: number;
  readonly choices?: readonly string[];
  readonly weights?: readonly number[];
}

/** ASHA's settings as requested (sweeps.proto `SweepEarlyStopping`): 0 or empty takes the default. */
export interface RequestedEarlyStopping {
  readonly metric?: string;
  readonly mode?: ObjectiveMode;
  readonly gracePeriod?: number;
  readonly reductionFactor?: number;
  readonly maxBudget?: number;
}
