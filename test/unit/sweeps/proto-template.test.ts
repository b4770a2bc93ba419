import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApi, parseFieldValue, resolveFieldPath, setFieldValue } from '../../../src/client/index.js';
import { AppError } from '../../../src/core/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import type { StartRunRequest__Output } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { jsonToStruct } from '../../../src/protocol/struct.js';
import { protoRunTemplate } from '../../../src/server/sweep-codec.js';
import { compileSweep } from '../../../src/sweeps/index.js';
import { loadTrainerRegistry } from '../../../src/trainers/index.js';

const { definition } = loadApi();
const RUN = 'gradnoise.v1.StartRunRequest';

/** A StartRunRequest as the server decodes it (defaults filled, unset messages null). */
function decoded(request: Record<string, unknown>): StartRunRequest__Output {
  const type = definition[RUN] as unknown as {
    serialize(v: unknown): Buffer;
    deserialize(b: Buffer): StartRunRequest__Output;
  };
  return type.deserialize(type.serialize(request));
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).message;
  }
  throw new Error('no error');
}

describe('field paths from the proto descriptors', () => {
  it('resolves snake_case and camelCase paths to the same scalar field', () => {
    const a = resolveFieldPath(definition, RUN, 'optimizer.learning_rate', 'f');
    const b = resolveFieldPath(definition, RUN, 'optimizer.learningRate', 'f');
    expect(a).toEqual(b);
    expect(a).toMatchObject({
      path: 'optimizer.learning_rate',
      keys: ['optimizer', 'learningRate'],
      kind: 'double',
    });
  });

  it('parses values by type into canonical text', () => {
    const init = resolveFieldPath(definition, RUN, 'mlp.init', 'f');
    expect(parseFieldValue(init, 'zero', 'v')).toEqual({ value: 'MLP_INIT_ZERO', text: 'zero' });
    expect(parseFieldValue(init, 'MLP_INIT_HE', 'v')).toEqual({ value: 'MLP_INIT_HE', text: 'he' });
    const lr = resolveFieldPath(definition, RUN, 'optimizer.learning_rate', 'f');
    expect(parseFieldValue(lr, '1e-3', 'v')).toEqual({ value: 0.001, text: '0.001' });
    const steps = resolveFieldPath(definition, RUN, 'max_steps', 'f');
    expect(parseFieldValue(steps, '300', 'v')).toEqual({ value: '300', text: '300' });
    const nesterov = resolveFieldPath(definition, RUN, 'optimizer.use_nesterov', 'f');
    expect(parseFieldValue(nesterov, 'TRUE', 'v')).toEqual({ value: true, text: 'true' });
  });

  it('sets a list of scalars only where lists are allowed (the CLI), never a map', () => {
    const lengths = resolveFieldPath(definition, RUN, 'neural_gpu.test_lengths', 'f', {
      allowRepeated: true,
    });
    expect(lengths).toMatchObject({ repeated: true, kind: 'int32' });
    expect(parseFieldValue(lengths, '6, 12', 'v')).toEqual({ value: [6, 12], text: '6,12' });
    expect(parseFieldValue(lengths, '', 'v')).toEqual({ value: [], text: '' });
    expect(message(() => parseFieldValue(lengths, '6,x', '--set neural_gpu.test_lengths'))).toBe(
      '--set neural_gpu.test_lengths[1]: got "x"; allowed: an integer in [-2147483648, 2147483647]',
    );
    const request: Record<string, unknown> = { trainer: 'neural_gpu' };
    setFieldValue(definition, request, lengths, parseFieldValue(lengths, '6,12', 'v').value);
    expect(decoded(request).neuralGpu?.testLengths).toEqual([6, 12]);
    expect(message(() => resolveFieldPath(definition, RUN, 'neural_gpu.test_lengths', 'f'))).toContain(
      'a singular field',
    );
    expect(
      message(() => resolveFieldPath(definition, RUN, 'labels', 'f', { allowRepeated: true })),
    ).toContain('maps and lists of messages cannot be set');
  });

  it('names the field and what is allowed when a path or value does not fit', () => {
    expect(message(() => resolveFieldPath(definition, RUN, 'optimizer.lr', 'axes[2].field'))).toMatch(
      /^axes\[2\]\.field: got "optimizer\.lr"; allowed: a field path such as optimizer\.kind, optimizer\.learning_rate/,
    );
    expect(message(() => resolveFieldPath(definition, RUN, 'noise', 'f'))).toContain(
      'a scalar field inside noise',
    );
    expect(message(() => resolveFieldPath(definition, RUN, 'labels', 'f'))).toContain('a singular field');
    const init = resolveFieldPath(definition, RUN, 'mlp.init', 'f');
    expect(message(() => parseFieldValue(init, 'xavier', 'axes[0].values[3]'))).toBe(
      'axes[0].values[3]: got "xavier"; allowed: one of simple, zero, he, sussillo',
    );
    const depth = resolveFieldPath(definition, RUN, 'mlp.depth', 'f');
    expect(message(() => parseFieldValue(depth, '2.5', 'v'))).toBe(
      'v: got "2.5"; allowed: an integer in [-2147483648, 2147483647]',
    );
  });

  it('creates the messages along the path, with empty repeated fields', () => {
    const target: Record<string, unknown> = { trainer: 'neural_gpu' };
    setFieldValue(definition, target, resolveFieldPath(definition, RUN, 'neural_gpu.maps', 'f'), 8);
    expect(target).toEqual({ trainer: 'neural_gpu', neuralGpu: { maps: 8, testLengths: [] } });
  });
});

describe('the sweep template over StartRunRequest', () => {
  it('builds each cell as the base message with the values set, decoded like StartRun', () => {
    const template = protoRunTemplate(
      definition,
      decoded({ trainer: 'smoke', maxSteps: '50', labels: { exp: 'a' }, noise: { gamma: 0.6 } }),
    );
    const plan = compileSweep(
      {
        name: '',
        template,
        axes: [
          { field: 'smoke.hidden_units', values: ['4', '8'] },
          { field: 'optimizer.kind', values: ['sgd', 'ADAM'] },
          { field: 'clip.by_global_norm', values: ['1'] },
        ],
        seeds: 1,
        labels: {},
      },
      ANY_DATA_DIR,
    );
    expect(plan.cells.map((c) => c.key)).toEqual([
      'hidden_units=4,kind=sgd,by_global_norm=1',
      'hidden_units=4,kind=adam,by_global_norm=1',
      'hidden_units=8,kind=sgd,by_global_norm=1',
      'hidden_units=8,kind=adam,by_global_norm=1',
    ]);
    const run = plan.runs.find(
      (r) => r.cell === 'hidden_units=8,kind=adam,by_global_norm=1' && r.arm === 'noise',
    );
    expect(run?.spec).toMatchObject({
      trainerConfig: { hiddenUnits: 8 },
      optimizer: { kind: 'adam' },
      clip: { byGlobalNorm: 1 },
      noise: { eta: 0.01, gamma: 0.6 },
      maxSteps: 50,
    });
    expect(plan.spec.baseLabels).toEqual({ exp: 'a' });
  });

  it('refuses fields a sweep owns and configs of another trainer', () => {
    const template = protoRunTemplate(definition, decoded({ trainer: 'smoke' }));
    expect(message(() => template.field('seed', 'axes[0].field'))).toContain(
      'axes[0].field: got "seed"; allowed: a field a sweep can vary (seed: use seeds)',
    );
    expect(message(() => template.field('trainer', 'axes[0].field'))).toContain('one trainer per sweep');
    expect(message(() => template.field('mlp.depth', 'axes[1].field'))).toBe(
      'axes[1].field: got "mlp.depth"; allowed: a field of the smoke trainer\'s config (smoke.*)',
    );
  });

  it('names bad base fields base.* and rejects a base request id', () => {
    expect(message(() => protoRunTemplate(definition, decoded({ trainer: 'smoke', seed: '-1' })))).toContain(
      'base.seed: got "-1"',
    );
    expect(
      message(() => protoRunTemplate(definition, decoded({ trainer: 'smoke', requestId: 'r' }))),
    ).toContain('base.request_id: got "r"');
    expect(message(() => protoRunTemplate(definition, null))).toContain('base: got null');
  });

  it('sweeps a trainer field over a base whose config came as config_struct, keeping its other values', () => {
    const base = decoded({
      trainer: 'mlp',
      configStruct: jsonToStruct({ width: 32, init: 'he', data: { train_size: 100 } }),
    });
    const template = protoRunTemplate(definition, base);
    expect(template.base.trainerConfig).toMatchObject({ width: 32, init: 'he', data: { trainSize: 100 } });
    const depth = template.field('mlp.depth', 'axes[0].field');
    const built = template.build([{ field: depth, value: depth.parse('3', 'axes[0].values[0]') }]);
    expect(built.trainerConfig).toMatchObject({ depth: 3, width: 32, init: 'he', data: { trainSize: 100 } });
  });

  it('resolves axes of a trainer without a typed config (a plugin) against its schema, in its Struct', async () => {
    const trainers = await loadTrainerRegistry({
      specifiers: ['./examples/plugin-trainer/index.js'],
      baseDir: join(import.meta.dirname, '../../..'),
    });
    const base = decoded({ trainer: 'logreg', configStruct: jsonToStruct({ l2: 0.01, batchSize: 4 }) });
    const template = protoRunTemplate(definition, base, trainers);
    expect(template.base.trainerConfig).toEqual({ l2: 0.01, batchSize: 4 });
    const batch = template.field('logreg.batchSize', 'axes[0].field');
    expect(batch.path).toBe('logreg.batch_size');
    expect(batch.parse('016', 'axes[0].values[0]')).toEqual({ value: 16, text: '16' });
    expect(message(() => batch.parse('1.5', 'axes[0].values[1]'))).toBe(
      'axes[0].values[1]: got "1.5"; allowed: an integer',
    );
    const eta = template.field('noise.eta', 'axes[1].field');
    const built = template.build([
      { field: batch, value: batch.parse('16', 'v') },
      { field: eta, value: eta.parse('0.5', 'v') },
    ]);
    // The camelCase key of the base is replaced, not doubled; its other values stay.
    expect(built.trainerConfig).toEqual({ l2: 0.01, batchSize: 16 });
    expect(built.noise).toMatchObject({ eta: 0.5 });
    expect(message(() => template.field('logreg.width', 'axes[0].field'))).toContain(
      'axes[0].field: got "logreg.width"; allowed: a config field of trainer logreg (logreg.inputs, logreg.batch_size',
    );
    expect(message(() => template.field('mlp.depth', 'axes[0].field'))).toContain(
      'logreg.<field> (trainer logreg has no typed config; its fields are in config_struct)',
    );
    const sweep = (values: string[]) =>
      compileSweep(
        { name: 's', template, axes: [{ field: 'logreg.batch_size', values }], seeds: 1, labels: {} },
        ANY_DATA_DIR,
        trainers,
      );
    expect(sweep(['8', '16']).runs.map((run) => run.spec.trainerConfig.batchSize)).toEqual([8, 8, 16, 16]);
    expect(message(() => sweep(['8', '0']))).toBe(
      'axes[0].values[1]: got "0"; allowed: an integer in [1, 4096] (logreg.batch_size)',
    );
  });
});
