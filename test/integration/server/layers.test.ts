import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataRootPolicy } from '../../../src/data/index.js';
import { jsonToStruct } from '../../../src/protocol/struct.js';
import { api } from '../../helpers/client.js';
import { runProcess, toolchainMissing } from '../../helpers/foreign-client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

const PYTHON = '/usr/bin/python3';
const EXAMPLE = join(import.meta.dirname, '../../../examples/python');

/** Debian's python3-grpcio and python3-numpy, protoc 3.21 and the gRPC plugin (.ci/run installs them). */
const missing = toolchainMissing('Python', [
  [PYTHON, '-c', 'import grpc, google.protobuf, numpy'],
  ['protoc', '--version'],
  ['sh', '-c', 'command -v grpc_python_plugin'],
]);

let service: TestService;
/** The service's only data root: the Python client writes its .npz there. */
let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gradnoise-layers-'));
  if (missing === null) execFileSync(join(EXAMPLE, 'generate.sh'), { stdio: 'ignore' });
  service = await startTestService({ backend: 'wasm' }, dataRootPolicy([root], 'GRADNOISE_DATA_ROOTS'));
});
afterAll(async () => {
  await service.stop();
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(missing !== null)('the layers trainer from Python (examples/python/keras_model.py)', () => {
  it('trains a two-layer Keras model on an .npz file written by NumPy, and the weights load back in NumPy', async () => {
    const result = await runProcess(
      PYTHON,
      [
        join(EXAMPLE, 'keras_model.py'),
        '--target',
        service.address,
        '--data-dir',
        join(root, 'blobs'),
        '--max-steps',
        '150',
        '--json',
      ],
      { ...process.env, PYTHONUNBUFFERED: '1' },
    );
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    const events = Object.fromEntries(
      result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .map((e) => [e.event, e]),
    );
    expect(events.started).toMatchObject({ status: 'RUN_STATUS_QUEUED' });
    expect(events.finished).toMatchObject({ status: 'RUN_STATUS_COMPLETED' });
    // Three classes: chance is 1/3.
    expect(events.finished?.test_accuracy).toBeGreaterThan(0.9);
    expect(events.weights?.shapes).toEqual({
      'model/hidden/bias': [16],
      'model/hidden/kernel': [8, 16],
      'model/output/bias': [3],
      'model/output/kernel': [16, 3],
    });
    // NumPy alone, with the downloaded weights, classifies the test split as the server reported.
    expect(events.numpy?.test_accuracy).toBeCloseTo(events.finished?.test_accuracy as number, 9);
  });
});

describe('the layers trainer refuses bad models and data over gRPC, naming the field', () => {
  const tiny = (units: number, activation = 'softmax') =>
    JSON.stringify({
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 4] } },
          { class_name: 'Dense', config: { name: 'out', units, activation } },
        ],
      },
    });
  const start = (config: Record<string, unknown>) =>
    api(service.client).startRun({ trainer: 'layers', configStruct: jsonToStruct(config) });

  it.each([
    [
      { model: tiny(3).replace('Dense', 'MyLayer') },
      'layers.model',
      /layer "out" \(MyLayer\): not a layer class/,
    ],
    [{ model: tiny(3).replace('batch_input_shape', 'batch_shape') }, 'layers.model', /a Keras 3 topology/],
    [{ model: tiny(1, 'sigmoid') }, 'layers.loss', /a loss for one output unit/],
    [
      { model: tiny(3) },
      'layers.model',
      /input "in" takes samples of shape \[4\].*the data's x has \[28, 28\]/,
    ],
    [
      { model: tiny(3), data: { format: 'npz', path: '/etc/x.npz' } },
      'layers.data.path',
      /allowed: a directory in /,
    ],
    [
      { model: `${'['.repeat(100)}${']'.repeat(100)}` },
      'layers.model',
      /nests 100 levels deep; allowed: at most 32/,
    ],
  ])('%j', async (config, field, message) => {
    const error = await start(config).then(
      () => null,
      (e: unknown) => e as { code: number; details: string },
    );
    expect(error?.code).toBe(3);
    expect(error?.details).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}: `));
    expect(error?.details).toMatch(message);
  });
});
