import type { RunSpec } from '../core/index.js';
import { AppError, invalidArgument, LIMITS, withFieldPrefix } from '../core/index.js';
import { compileRunSpec, type RunRequest } from '../runs/compile-spec.js';
import type { DataRootPolicy } from '../runs/index.js';
import { builtinTrainers, type TrainerRegistry } from '../trainers/index.js';
import { type CompiledAxes, checkEachValue, compileAxes } from './axes.js';
import { cellCount, expandCells } from './grid.js';
import { SWEEP_LIMITS } from './limits.js';
import { compileObjective } from './objective.js';
import { RESERVED_LABEL_KEYS } from './run-labels.js';
import type {
  Arm,
  AxisValue,
  PlannedRun,
  RunTemplate,
  SweepCell,
  SweepPlan,
  SweepRequest,
  SweepSpec,
} from './types.js';

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

  const axes = compileAxes(template, request.axes, compareNoise);
  const cells = cellCount(axes.axes);
  const arms = compareNoise ? 2 : 1;
  if (cells * seedCount * arms > SWEEP_LIMITS.maxRuns) {
    throw invalidArgument(
      'axes',
      `${cells} cells × ${seedCount} seeds × ${arms} arms = ${cells * seedCount * arms} runs`,
      `at most ${SWEEP_LIMITS.maxRuns} runs per sweep`,
    );
  }
  checkEachValue(template, axes, dataRoots, trainers);

  const spec: SweepSpec = {
    name: request.name,
    base,
    baseLabels: { ...template.labels },
    axes: axes.axes,
    seeds: { first: base.seed, count: seedCount },
    compareNoise,
    objective,
    labels: { ...request.labels },
  };
  const gridCells = expandCells(axes.axes);
  const runs: PlannedRun[] = [];
  for (const cell of gridCells) {
    if (cell.key.length > SWEEP_LIMITS.maxCellKeyLength) {
      throw invalidArgument(
        'axes',
        cell.key,
        `cell names of at most ${SWEEP_LIMITS.maxCellKeyLength} characters`,
      );
    }
    const armSpecs = compileCell(template, axes, cell, compareNoise, dataRoots, trainers);
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

/** The compiled run of each arm of one cell (seed still the base's). */
function compileCell(
  template: RunTemplate,
  axes: CompiledAxes,
  cell: SweepCell,
  compareNoise: boolean,
  dataRoots: DataRootPolicy,
  trainers: TrainerRegistry,
): [Arm, RunSpec][] {
  const assignments = axes.fields.map((field, a) => ({
    field,
    value: (axes.values[a] as AxisValue[])[cell.valueIndices[a] as number] as AxisValue,
  }));
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
