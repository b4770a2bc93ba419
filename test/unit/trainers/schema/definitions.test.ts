import { describe, expect, it } from 'vitest';
import {
  builtinTrainers,
  createRegistry,
  defineTrainer,
  findMetric,
  type MetricDeclaration,
  type TrainerDeclaration,
} from '../../../../src/trainers/index.js';

type Config = { readonly size: number };

function declaration(metrics: readonly MetricDeclaration[], name = 'toy'): TrainerDeclaration<Config> {
  return {
    name,
    description: 'A toy trainer',
    paperSection: '§4.1',
    schema: { size: { kind: 'int', default: 2, min: 1, max: 4, doc: 'Size.' } },
    metrics,
    defaultMaxSteps: 10,
    defaultNoise: { eta: 0.01, gamma: 0.55 },
    stepsPerEpoch: () => 1,
    examplesPerStep: (config) => config.size,
    create: async () => {
      throw new Error('not built in this test');
    },
  };
}

const LOSS: MetricDeclaration = { name: 'loss', when: 'step', direction: 'min', finite: true, doc: 'Loss.' };

describe('trainer definitions', () => {
  it('derive defaults and compile from the schema', () => {
    const toy = defineTrainer(declaration([LOSS]));
    expect(toy.defaults).toEqual({ size: 2 });
    expect(toy.compile({ size: 3 })).toEqual({ size: 3 });
    expect(() => toy.compile({ size: 5 })).toThrow('size: got 5; allowed: an integer in [1, 4]');
  });

  it('refuse phases that are empty, repeated or not lower_snake_case, and a metric named phase beside them', () => {
    const phased =
      (phases: readonly string[], metrics = [LOSS]) =>
      () =>
        defineTrainer({ ...declaration(metrics), phases });
    expect(phased(['linear_start', 'default'])).not.toThrow();
    expect(phased([])).toThrow('trainer toy: phases is empty');
    expect(phased(['default', 'default'])).toThrow('trainer toy: phase default is declared twice');
    expect(phased(['Linear'])).toThrow('trainer toy: phase "Linear" is not lower_snake_case');
    const phaseMetric: MetricDeclaration = { ...LOSS, name: 'phase', finite: false };
    expect(phased(['default'], [LOSS, phaseMetric])).toThrow(
      'trainer toy: metric phase is reported by the runtime; do not declare it',
    );
  });

  it('refuse one metric name declared both per step and per evaluation', () => {
    const both = declaration([LOSS, { ...LOSS, when: 'evaluation' }]);
    expect(() => defineTrainer(both)).toThrow(
      'trainer toy: metric loss is declared both per step and per evaluation',
    );
    // Also when the definition was not built by defineTrainer (e.g. handed to the registry as is).
    const { refine: _, ...raw } = both;
    expect(() =>
      createRegistry([{ ...raw, defaults: { size: 2 }, compile: (c: Config) => c } as never]),
    ).toThrow('declared both per step and per evaluation');
  });

  it('refuse a metric declared twice, a malformed metric name and invalid schema defaults', () => {
    expect(() => defineTrainer(declaration([LOSS, LOSS]))).toThrow('metric loss is declared twice');
    expect(() => defineTrainer(declaration([{ ...LOSS, name: 'Loss rate' }]))).toThrow(
      'not lower_snake_case',
    );
    const bad = declaration([LOSS]);
    expect(() =>
      defineTrainer({ ...bad, schema: { size: { kind: 'int', default: 9, min: 1, max: 4, doc: 'Size.' } } }),
    ).toThrow("trainer toy: its schema's defaults are invalid: size: got 9");
    expect(() =>
      defineTrainer({
        ...bad,
        schema: { batch_size: { kind: 'int', default: 1, min: 1, max: 4, doc: 'x' } },
      }),
    ).toThrow('config field batch_size is not camelCase');
  });

  it('refuse what a plain-JS plugin could declare against the types', () => {
    const bad = declaration([LOSS]);
    const field = (f: unknown) => () => defineTrainer({ ...bad, schema: { size: f } } as never);
    expect(field({ kind: 'integer', default: 1, min: 1, max: 4, doc: 'x' })).toThrow(
      'config field size has kind "integer"; allowed: int, float',
    );
    expect(field({ kind: 'int', default: 1, min: 10, max: 1, doc: 'x' })).toThrow('has bounds [10, 1]');
    expect(field({ kind: 'int', default: 1, min: 1, max: 4 })).toThrow('config field size has no doc line');
    expect(field({ kind: 'enum', choices: [], protoEnumPrefix: 'X_', doc: 'x' })).toThrow(
      'non-empty choices',
    );
    const metric = (m: unknown) => () => defineTrainer(declaration([LOSS, m as MetricDeclaration]));
    expect(metric({ name: 'acc', when: 'eval', direction: 'max', doc: 'x' })).toThrow(
      'metric acc has when "eval"; allowed: step, evaluation',
    );
    expect(metric({ name: 'acc', when: 'evaluation', direction: 'down', doc: 'x' })).toThrow(
      'metric acc has direction "down"',
    );
    expect(metric({ name: 'grad_norm', when: 'evaluation', direction: 'min', doc: 'x' })).toThrow(
      'metric grad_norm is reported by the runtime unless a step reports it',
    );
    expect(metric({ name: 'grad_norm', when: 'step', direction: 'min', doc: 'x' })).not.toThrow();
    expect(metric({ name: 'learning_rate', when: 'step', direction: 'min', doc: 'x' })).toThrow(
      'metric learning_rate is reported by the runtime',
    );
    expect(() =>
      defineTrainer(
        declaration([
          LOSS,
          { name: 'err_len{L}', when: 'step', direction: 'min', doc: 'x' },
          { name: 'err_len40', when: 'evaluation', direction: 'min', doc: 'x' },
        ]),
      ),
    ).toThrow('metric family err_len{L} (per step) covers err_len40 (per evaluation)');
  });

  it('refuse two trainers of one name in a registry', () => {
    const toy = defineTrainer(declaration([LOSS]));
    expect(() => createRegistry([toy, toy] as never)).toThrow('trainer toy is defined twice');
  });

  it('match metric families by their placeholder', () => {
    const metrics: MetricDeclaration[] = [
      LOSS,
      { name: 'test_seq_error_len{L}', when: 'evaluation', direction: 'min', doc: 'x' },
    ];
    expect(findMetric(metrics, 'test_seq_error_len40', 'evaluation')?.name).toBe('test_seq_error_len{L}');
    expect(findMetric(metrics, 'test_seq_error_lenX', 'evaluation')).toBeUndefined();
    expect(findMetric(metrics, 'loss', 'evaluation')).toBeUndefined();
    expect(findMetric(metrics, 'loss', 'step')).toBe(LOSS);
  });

  it('every built-in trainer declares a finite per-step loss and its examples per step', () => {
    for (const trainer of builtinTrainers.list()) {
      expect(findMetric(trainer.metrics, 'loss', 'step')?.finite, trainer.name).toBe(true);
      const config = trainer.compile(trainer.defaults);
      expect(trainer.examplesPerStep(config)).toBe((config as { batchSize: number }).batchSize);
    }
  });
});
