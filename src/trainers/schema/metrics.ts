import type { MetricDeclaration, MetricWhen } from './types.js';

/** A metric name or family: lower-case words, optionally one `{placeholder}` for a number. */
const NAME = /^[a-z][a-z0-9_]*(\{[A-Za-z]+\}[a-z0-9_]*)?$/;

/** The regular expression matching the concrete names of a declared metric (family). */
function pattern(name: string): RegExp {
  return new RegExp(`^${name.replace(/\{[A-Za-z]+\}/, '\\d+')}$`);
}

/**
 * Checks a trainer's metric declarations when the trainer is loaded, and throws an `Error` naming
 * the trainer and the metric otherwise: a malformed name, a name declared twice, or one name
 * declared both per step and per evaluation. The last is refused because a run stores one value
 * per (name, step): the two could not be told apart in the stored series.
 */
export function checkMetricDeclarations(trainer: string, metrics: readonly MetricDeclaration[]): void {
  const seen = new Map<string, MetricWhen>();
  for (const metric of metrics) {
    // Plugins are plain JS: check what the types would have.
    if (metric.when !== 'step' && metric.when !== 'evaluation')
      throw new Error(
        `trainer ${trainer}: metric ${metric.name} has when ${JSON.stringify(metric.when)}; allowed: step, evaluation`,
      );
    if (metric.direction !== 'min' && metric.direction !== 'max')
      throw new Error(
        `trainer ${trainer}: metric ${metric.name} has direction ${JSON.stringify(metric.direction)}; allowed: min, max`,
      );
    const reserved = RUNTIME_METRICS[metric.name];
    if (reserved !== undefined && (reserved === 'any' || metric.when !== reserved))
      throw new Error(
        `trainer ${trainer}: metric ${metric.name} is reported by the runtime${reserved === 'any' ? '' : ' unless a step reports it'}; do not declare it${reserved === 'any' ? '' : ' per evaluation'}`,
      );
    if (!NAME.test(metric.name)) {
      throw new Error(
        `trainer ${trainer}: metric name ${JSON.stringify(metric.name)} is not lower_snake_case ` +
          '(with at most one {placeholder} for a number)',
      );
    }
    const earlier = seen.get(metric.name);
    if (earlier !== undefined && earlier !== metric.when) {
      throw new Error(
        `trainer ${trainer}: metric ${metric.name} is declared both per step and per evaluation; ` +
          'a run stores one value per (name, step), so declare it once',
      );
    }
    if (earlier !== undefined) throw new Error(`trainer ${trainer}: metric ${metric.name} is declared twice`);
    seen.set(metric.name, metric.when);
  }
  // A family of one `when` may not cover a name of the other: one (name, step) would have two values.
  for (const a of metrics)
    for (const b of metrics)
      if (a !== b && a.when !== b.when && a.name.includes('{') && pattern(a.name).test(b.name))
        throw new Error(
          `trainer ${trainer}: metric family ${a.name} (per ${a.when}) covers ${b.name} (per ${b.when})`,
        );
}

/**
 * Names the runtime reports itself: `grad_norm` and `noise_std` every step unless the trainer's
 * step reports them (so they may be declared per step only), `learning_rate` for a scheduled run
 * and `phase` for a trainer with phases (never declared).
 */
const RUNTIME_METRICS: Readonly<Record<string, MetricWhen | 'any'>> = {
  grad_norm: 'step',
  noise_std: 'step',
  learning_rate: 'any',
  phase: 'any',
};

/** The declaration `name` belongs to among those reported `when`, or `undefined`. */
export function findMetric(
  metrics: readonly MetricDeclaration[],
  name: string,
  when: MetricWhen,
): MetricDeclaration | undefined {
  return metrics.find((metric) => metric.when === when && pattern(metric.name).test(name));
}
