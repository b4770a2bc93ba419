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
}

/** The declaration `name` belongs to among those reported `when`, or `undefined`. */
export function findMetric(
  metrics: readonly MetricDeclaration[],
  name: string,
  when: MetricWhen,
): MetricDeclaration | undefined {
  return metrics.find((metric) => metric.when === when && pattern(metric.name).test(name));
}
