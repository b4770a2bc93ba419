import type { RunSpec } from '../core/index.js';
import { AppError, invalidArgument, LIMITS, withFieldPrefix } from '../core/index.js';
import { compileRunSpec, type RunRequest } from '../runs/compile-spec.js';
import type { DataRootPolicy } from '../runs/index.js';
import { builtinTrainers, type TrainerRegistry } from '../trainers/index.js';
import { checkEachValue, compileAxes } from './axes.js';
import { compileEarlyStopping } from './early-stopping.js';
import { cellCount, expandCells, trialCells } from './grid.js';
import { SWEEP_LIMITS } from './limits.js';
import { compileObjective } from './objective.js';
import { RESERVED_LABEL_KEYS } from './run-labels.js';
import { checkDistributions, compileSearch } from './search.js';
import type {
  Arm,
  AxisAssignment,
  AxisField,
  AxisValue,
  PlannedRun,
  RunTemplate,
  SweepAxis,
  SweepCell,
  SweepPlan,
  SweepRequest,
  SweepSpec,
} from './types.js';

/** The cells of a sweep with the assignments each makes (a grid's product, or a search's trials). */
interface Layout {
  readonly axes: readonly SweepAxis[];
  readonly cells: readonly SweepCell[];
  readonly assignments: (cell: SweepCell) => AxisAssignment[];
  readonly search?: SweepSpec['search'];
}

/**
 * Validates a sweep request, fills its defaults and expands it into the runs to queue:
 * cells (every combination of one value per axis) × seeds × arms, in that nesting order.
 *
 * With `compareNoise` (the default) every cell and seed runs twice, with eta = 0 (`no_noise`) and
 * with the template's eta (`noise`): the paper's protocol (§4.1, Table 1; §4.5, Table 5) of
 * comparing the same configuration and seed with and without annealed noise. Without it each cell
 * and seed runs once, and its arm follows from its eta.
 *
 * Every run is compiled with `compileRunSpec` here (under `dataRoots`, which bounds what a budget in
 * epochs may read), so nothing invalid is queued. Errors are
 * INVALID_ARGUMENT naming the request field: `name`, `labels[...]`, `base.*` (the template),
 * `seeds`, `objective.*`, `axes[i].field`, `axes[i].values[j]` (a value the run rejects, with the
 * reason), or `axes` (too many runs, or a combination of valid values that is not a valid run).
 */
export function compileSweep(
  request: SweepRequest,
  dataRoots: DataRootPolicy,
  trainers: TrainerRegistry = builtinTrainers,
): SweepPlan {
  if (request.name.length > SWEEP_LIMITS.maxNameLength) {
    throw invalidArgument('name', request.name, `at most ${SWEEP_LIMITS.maxNameLength} characters`);
  }
  const { template } = request;
  checkLabels(template.labels, request.labels);
  const compareNoise = request.compareNoise ?? true;
  const objective = compileObjective(request.objective);
  const seedCount = request.seeds === 0 ? 1 : request.seeds;
  if (!Number.isInteger(seedCount) || seedCount < 1 || seedCount > SWEEP_LIMITS.maxSeeds) {
    throw invalidArgument('seeds', request.seeds, `an integer in [0, ${SWEEP_LIMITS.maxSeeds}] (0: 1)`);
  }

  const base = withFieldPrefix('base.', () => compileRunSpec(template.base, dataRoots, trainers));
  if (compareNoise && base.noise.eta === 0) {
    throw invalidArgument(
      'base.noise.eta',
      0,
      '> 0 while compare_noise is true (the noise arm needs noise; unset uses the trainer default)',
    );
  }
  if (base.seed + seedCount - 1 > LIMITS.maxSeed) {
    throw invalidArgument('seeds', seedCount, `at most ${LIMITS.maxSeed - base.seed + 1} from base.seed`);
  }

  const earlyStopping =
    request.earlyStopping === undefined
      ? undefined
      : compileEarlyStopping(request.earlyStopping, objective, base);
  const layout = compileLayout(request, compareNoise, seedCount, dataRoots, trainers);
  const spec: SweepSpec = {
    name: request.name,
    base,
    baseLabels: { ...template.labels },
    axes: layout.axes,
    seeds: { first: base.seed, count: seedCount },
    compareNoise,
    objective,
    ...(layout.search === undefined ? {} : { search: layout.search }),
    ...(earlyStopping === undefined ? {} : { earlyStopping }),
    labels: { ...request.labels },
  };
  const gridCells = layout.cells;
  const runs: PlannedRun[] = [];
  for (const cell of gridCells) {
    if (cell.key.length > SWEEP_LIMITS.maxCellKeyLength) {
      throw invalidArgument(
        'axes',
        cell.key,
        `cell names of at most ${SWEEP_LIMITS.maxCellKeyLength} characters`,
      );
    }
    const armSpecs = compileCell(template, layout.assignments(cell), cell, compareNoise, dataRoots, trainers);
    for (let k = 0; k < seedCount; k++) {
      for (const [arm, armSpec] of armSpecs) {
        runs.push({
          index: runs.length,
          cell: cell.key,
          arm,
          seed: base.seed + k,
          spec: { ...armSpec, seed: base.seed + k },
        });
      }
    }
  }
  return { spec, cells: gridCells, runs };
}

/**
 * The cells: a grid of the axes' values (`trials` 0), or `trials` sampled configurations (random
 * search, `search.ts`). Checks the run count and that each value (or bound) makes a valid run.
 */
function compileLayout(
  request: SweepRequest,
  compareNoise: boolean,
  seedCount: number,
  dataRoots: DataRootPolicy,
  trainers: TrainerRegistry,
): Layout {
  const { template } = request;
  const trials = request.trials ?? 0;
  const sweepSeed = request.sweepSeed ?? 0;
  const arms = compareNoise ? 2 : 1;
  // Checked for a grid too, so a bad seed is refused whether or not it is used.
  checkSweepSeed(sweepSeed);
  const checkRuns = (field: string, cells: number) => {
    if (cells * seedCount * arms > SWEEP_LIMITS.maxRuns) {
      throw invalidArgument(
        field,
        `${cells} cells × ${seedCount} seeds × ${arms} arms = ${cells * seedCount * arms} runs`,
        `at most ${SWEEP_LIMITS.maxRuns} runs per sweep`,
      );
    }
  };
  if (trials !== 0) {
    const search = compileSearch(template, request.axes, trials, sweepSeed, compareNoise);
    checkRuns('trials', trials);
    checkDistributions(template, search, dataRoots, trainers);
    const samples = search.samples.map((values) => values.map((v) => v.text));
    return {
      axes: search.axes,
      cells: trialCells(search.axes, samples),
      assignments: (cell) =>
        search.fields.map((field, a) => ({
          field,
          value: (search.samples[cell.index] as AxisValue[])[a] as AxisValue,
        })),
      search: { trials, sweepSeed, samples },
    };
  }
  request.axes.forEach((axis, i) => {
    if (axis.distribution !== undefined) {
      throw invalidArgument(
        `axes[${i}].distribution`,
        'a distribution',
        'unset unless trials > 0 (random search); a grid axis lists values',
      );
    }
  });
  const axes = compileAxes(template, request.axes, compareNoise);
  checkRuns('axes', cellCount(axes.axes));
  const cells = expandCells(axes.axes);
  checkEachValue(template, axes, dataRoots, trainers);
  return {
    axes: axes.axes,
    cells,
    assignments: (cell) =>
      axes.fields.map((field: AxisField, a) => ({
        field,
        value: (axes.values[a] as AxisValue[])[cell.valueIndices[a] as number] as AxisValue,
      })),
  };
}

function checkSweepSeed(sweepSeed: number): void {
  if (!Number.isInteger(sweepSeed) || sweepSeed < 0 || sweepSeed > LIMITS.maxSeed) {
    throw invalidArgument('sweep_seed', sweepSeed, `an integer in [0, ${LIMITS.maxSeed}]`);
  }
}

/** The compiled run of each arm of one cell (seed still the base's). */
function compileCell(
  template: RunTemplate,
  assignments: readonly AxisAssignment[],
  cell: SweepCell,
  compareNoise: boolean,
  dataRoots: DataRootPolicy,
  trainers: TrainerRegistry,
): [Arm, RunSpec][] {
  try {
    const request = template.build(assignments);
    if (!compareNoise) {
      const spec = compileRunSpec(request, dataRoots, trainers);
      return [[spec.noise.eta > 0 ? 'noise' : 'no_noise', spec]];
    }
    return [
      ['no_noise', compileRunSpec(withoutNoise(request), dataRoots, trainers)],
      ['noise', compileRunSpec(request, dataRoots, trainers)],
    ];
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'INVALID_ARGUMENT') throw error;
    const description = `got the cell ${JSON.stringify(cell.key)}; allowed: combinations that make a valid run (${error.message})`;
    throw new AppError('INVALID_ARGUMENT', `axes: ${description}`, {
      cause: error,
      fieldViolation: { field: 'axes', description },
    });
  }
}

/** The same request with eta = 0: the control arm. */
export function withoutNoise(request: RunRequest): RunRequest {
  return { ...request, noise: { ...(request.noise ?? {}), eta: 0 } };
}

function checkLabels(
  templateLabels: Readonly<Record<string, string>>,
  sweepLabels: Readonly<Record<string, string>>,
): void {
  for (const [field, labels] of [
    ['base.labels', templateLabels],
    ['labels', sweepLabels],
  ] as const) {
    for (const key of Object.keys(labels)) {
      if (RESERVED_LABEL_KEYS.includes(key)) {
        throw invalidArgument(
          `${field}[${JSON.stringify(key)}]`,
          key,
          `a key other than the reserved ${RESERVED_LABEL_KEYS.join(', ')}`,
        );
      }
    }
  }
  const total = new Set([...Object.keys(templateLabels), ...Object.keys(sweepLabels)]).size;
  if (total + RESERVED_LABEL_KEYS.length > SWEEP_LIMITS.maxLabels) {
    throw invalidArgument(
      'labels',
      `${total} labels with base.labels`,
      `at most ${SWEEP_LIMITS.maxLabels - RESERVED_LABEL_KEYS.length} (each run also gets ${RESERVED_LABEL_KEYS.join(', ')})`,
    );
  }
}
