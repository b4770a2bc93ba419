import { describe, expect, it } from 'vitest';
import { loadApi, resolveFieldPath } from '../../../src/client/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import type { StartRunRequest__Output } from '../../../src/generated/proto/gradnoise/v1/StartRunRequest.js';
import { compileRunSpec } from '../../../src/runs/index.js';
import { decodeStartRun, encodeSpec, typedConfig } from '../../../src/server/codec/index.js';
import { builtinTrainers, type ConfigSchema } from '../../../src/trainers/index.js';

const { definition, grpc } = loadApi();
const RUN_REQUEST = 'gradnoise.v1.StartRunRequest';
const KIND = {
  int: 'int32',
  float: 'double',
  bool: 'bool',
  string: 'string',
  enum: 'enum',
  intList: 'int32',
};

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Every leaf of the schema resolves to a proto field of its kind, and the message has no other field. */
function expectMessageMatches(schema: ConfigSchema, message: string, prefix: string): void {
  const type = definition[message]?.type as { field: { name: string; typeName: string }[] } | undefined;
  const protoFields = type?.field ?? [];
  expect(protoFields.map((f) => f.name).sort(), message).toEqual(Object.keys(schema).sort());
  for (const [name, field] of Object.entries(schema)) {
    const path = `${prefix}.${snake(name)}`;
    if (field.kind === 'object') {
      const typeName = protoFields.find((f) => f.name === name)?.typeName as string;
      expectMessageMatches(field.fields, `gradnoise.v1.${typeName}`, path);
      continue;
    }
    const resolved = resolveFieldPath(definition, RUN_REQUEST, path, 'field', { allowRepeated: true });
    expect(resolved.kind, path).toBe(KIND[field.kind]);
    expect(resolved.repeated, path).toBe(field.kind === 'intList');
    if (field.kind === 'enum') {
      expect(resolved.enumNames, path).toEqual(
        field.choices.map((c) => field.protoEnumPrefix + c.toUpperCase()),
      );
    }
  }
}

describe('typed config messages', () => {
  it('the trainers that have one name it by convention; newer ones travel as config_struct', () => {
    const typed = builtinTrainers.list().map((t) => typedConfig(t.name));
    expect(typed.filter((t) => t !== undefined)).toEqual([
      { oneofCase: 'smoke', message: 'gradnoise.v1.SmokeConfig' },
      { oneofCase: 'mlp', message: 'gradnoise.v1.MlpConfig' },
      { oneofCase: 'neuralGpu', message: 'gradnoise.v1.NeuralGpuConfig' },
      { oneofCase: 'nram', message: 'gradnoise.v1.NramConfig' },
      { oneofCase: 'memn2n', message: 'gradnoise.v1.MemN2NConfig' },
      { oneofCase: 'neuralProgrammer', message: 'gradnoise.v1.NeuralProgrammerConfig' },
      { oneofCase: 'layers', message: 'gradnoise.v1.LayersConfig' },
    ]);
    // A plugin needs no typed message: it travels as config_struct.
    expect(typedConfig('logistic')).toBeUndefined();
    // A StartRunRequest field that is not a config case is not mistaken for one.
    expect(typedConfig('noise')).toBeUndefined();
  });

  it.each(
    builtinTrainers
      .list()
      .filter((t) => typedConfig(t.name) !== undefined)
      .map((t) => [t.name, t] as const),
  )('%s: the message carries exactly the schema fields, with matching types', (name, trainer) => {
    const typed = typedConfig(name);
    expect(typed).toBeDefined();
    expectMessageMatches(trainer.schema, typed?.message as string, typed ? snake(typed.oneofCase) : '');
  });

  it.each(builtinTrainers.list().map((t) => [t.name] as const))(
    '%s: a compiled spec, encoded and sent again, compiles to the same spec',
    (name) => {
      const method = grpc.gradnoise.v1.TrainingService.service.StartRun;
      const spec = compileRunSpec({ trainer: name, maxSteps: 10 }, ANY_DATA_DIR);
      const wire = method.requestDeserialize(method.requestSerialize(encodeSpec(spec)));
      const again = compileRunSpec(decodeStartRun(wire as StartRunRequest__Output).request, ANY_DATA_DIR);
      expect(again.trainerConfig).toEqual(spec.trainerConfig);
    },
  );
});
