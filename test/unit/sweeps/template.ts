import { invalidArgument, type OptimizerKind } from '../../../src/core/index.js';
import type { RunRequest } from '../../../src/runs/index.js';
import type { AxisField, RunTemplate } from '../../../src/sweeps/index.js';

type Apply = (request: RunRequest, value: number | string) => RunRequest;

/** The fields the test template can sweep, over a plain RunRequest of the `smoke` trainer. */
const FIELDS: Readonly<Record<string, { readonly kind: 'number' | 'text'; readonly apply: Apply }>> = {
  'optimizer.learning_rate': {
    kind: 'number',
    apply: (r, v) => ({ ...r, optimizer: { ...r.optimizer, learningRate: v as number } }),
  },
  'optimizer.kind': {
    kind: 'text',
    apply: (r, v) => ({ ...r, optimizer: { ...r.optimizer, kind: v as OptimizerKind } }),
  },
  'optimizer.beta1': {
    kind: 'number',
    apply: (r, v) => ({ ...r, optimizer: { ...r.optimizer, beta1: v as number } }),
  },
  'smoke.hidden_units': {
    kind: 'number',
    apply: (r, v) => ({ ...r, trainerConfig: { ...r.trainerConfig, hiddenUnits: v } }),
  },
  'noise.eta': { kind: 'number', apply: (r, v) => ({ ...r, noise: { ...r.noise, eta: v as number } }) },
};

/**
 * A RunTemplate over a domain RunRequest, standing in for the server's proto-driven one so the
 * grid logic is tested on its own.
 */
export function testTemplate(base: RunRequest, labels: Record<string, string> = {}): RunTemplate {
  return {
    base,
    labels,
    field(path: string, errorField: string): AxisField {
      const spec = FIELDS[path];
      if (spec === undefined) throw invalidArgument(errorField, path, Object.keys(FIELDS).join(', '));
      return {
        path,
        parse(text, field) {
          if (spec.kind === 'text') return { text, value: text };
          const value = Number(text);
          if (text.trim() === '' || !Number.isFinite(value)) throw invalidArgument(field, text, 'a number');
          return { text: String(value), value };
        },
      };
    },
    build(assignments) {
      return assignments.reduce(
        (request, { field, value }) =>
          (FIELDS[field.path] as { apply: Apply }).apply(request, value.value as number),
        base,
      );
    },
  };
}
