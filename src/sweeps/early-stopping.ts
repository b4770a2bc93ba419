import { type EarlyStopping, invalidArgument, LIMITS, type RunSpec } from '../core/index.js';
import { checkMetricName, defaultMode } from './objective.js';
import type { Objective, RequestedEarlyStopping } from './types.js';

/** η when the request leaves it 0: Hyperband's default (Li et al. 2018 use 3 and 4). */
export const DEFAULT_REDUCTION_FACTOR = 3;
export const MAX_REDUCTION_FACTOR = 100;

/**
 * Validates ASHA's settings and fills the defaults, naming `early_stopping.*` fields: the metric is
 * the objective's unless given (and so is its mode), the grace period the base's `evalEvery` (its
 * first evaluation), η 3, the maximum budget the base's `maxSteps`. At least one rung must lie
 * below the maximum budget (grace period < max budget).
 */
export function compileEarlyStopping(
  requested: RequestedEarlyStopping,
  objective: Objective,
  base: RunSpec,
): EarlyStopping {
  const metric = checkMetricName('early_stopping.metric', requested.metric || objective.metric);
  const mode = requested.mode ?? (metric === objective.metric ? objective.mode : defaultMode(metric));
  const maxBudget = requested.maxBudget || base.maxSteps;
  if (!Number.isInteger(maxBudget) || maxBudget < 2 || maxBudget > LIMITS.maxSteps) {
    throw invalidArgument(
      'early_stopping.max_budget',
      maxBudget,
      `an integer in [2, ${LIMITS.maxSteps}] (0: base.max_steps)`,
    );
  }
  const gracePeriod = requested.gracePeriod || Math.min(base.evalEvery, maxBudget - 1);
  if (!Number.isInteger(gracePeriod) || gracePeriod < 1 || gracePeriod >= maxBudget) {
    throw invalidArgument(
      'early_stopping.grace_period',
      gracePeriod,
      `an integer in [1, ${maxBudget - 1}] (below max_budget; 0: base.eval_every)`,
    );
  }
  const reductionFactor = requested.reductionFactor || DEFAULT_REDUCTION_FACTOR;
  if (!Number.isInteger(reductionFactor) || reductionFactor < 2 || reductionFactor > MAX_REDUCTION_FACTOR) {
    throw invalidArgument(
      'early_stopping.reduction_factor',
      reductionFactor,
      `an integer in [2, ${MAX_REDUCTION_FACTOR}] (0: ${DEFAULT_REDUCTION_FACTOR})`,
    );
  }
  return { metric, mode, gracePeriod, reductionFactor, maxBudget };
}
