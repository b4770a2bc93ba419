import type { RunSpec } from '../core/index.js';
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
  readonly axes: readonly { readonly field: string; readonly values: readonly string[] }[];
  /** Seeds per cell and arm; 0 means 1. */
  readonly seeds: number;
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
  readonly values: readonly string[];
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
