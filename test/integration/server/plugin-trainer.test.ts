import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run__Output } from '../../../src/generated/proto/gradnoise/v1/Run.js';
import type { Sweep__Output } from '../../../src/generated/proto/gradnoise/v1/Sweep.js';
import { cliAgainst } from '../../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { runProcess, toolchainMissing } from '../../helpers/foreign-client.js';
import { REPO_ROOT, type Replica, startReplica } from '../scaleout/replica.js';

// The example plugin (examples/plugin-trainer) through a real service process started with
// GRADNOISE_TRAINER_MODULES: its main thread and its worker thread each load the module.

const PYTHON = '/usr/bin/python3';
const MODULE = './examples/plugin-trainer/index.js';
const missing = toolchainMissing('Python', [
  [PYTHON, '-c', 'import grpc, google.protobuf'],
  ['protoc', '--version'],
  ['sh', '-c', 'command -v grpc_python_plugin'],
]);

let db: TestDatabase;
let replica: Replica;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'gradnoise-plugin-'));
  replica = await startReplica({
    databaseUrl: db.url,
    replicaId: 'plugin-a',
    env: { GRADNOISE_TRAINER_MODULES: MODULE },
  });
}, 180_000);
afterAll(async () => {
  await replica?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI, in-process, against the replica, always with --json. */
const cliJson = cliAgainst(() => replica.address);
const cli = (args: readonly string[]) => cliJson(['--json', ...args]);

describe('a plugin trainer through the service', () => {
  it.skipIf(missing !== null)(
    'is listed with its schema and metrics and trains to COMPLETED from a Python client, its config a Struct',
    async () => {
      execFileSync(join(REPO_ROOT, 'examples/python/generate.sh'), { stdio: 'ignore' });
      const client = join(REPO_ROOT, 'examples/plugin-trainer/client.py');
      const args = ['--target', replica.address, '--json', '--set', 'batch_size=16', '--set', 'l2=0.001'];
      const result = await runProcess(PYTHON, [client, ...args, '--max-steps', '60'], {
        ...process.env,
        PYTHONUNBUFFERED: '1',
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const events = Object.fromEntries(
        result.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { event: string })
          .map((e) => [e.event, e as Record<string, unknown>]),
      );
      expect(events.trainer).toMatchObject({ name: 'logreg', config_message: '' });
      expect(events.trainer?.fields).toEqual([
        { name: 'inputs', kind: 'CONFIG_FIELD_KIND_INT', allowed: 'an integer in [1, 256]' },
        { name: 'batch_size', kind: 'CONFIG_FIELD_KIND_INT', allowed: 'an integer in [1, 4096]' },
        { name: 'train_size', kind: 'CONFIG_FIELD_KIND_INT', allowed: 'an integer in [1, 100000]' },
        { name: 'test_size', kind: 'CONFIG_FIELD_KIND_INT', allowed: 'an integer in [1, 100000]' },
        { name: 'l2', kind: 'CONFIG_FIELD_KIND_FLOAT', allowed: 'a number in [0, 1]' },
      ]);
      expect(events.trainer?.metrics).toEqual([
        { name: 'loss', when: 'METRIC_WHEN_STEP' },
        { name: 'test_loss', when: 'METRIC_WHEN_EVALUATION' },
        { name: 'test_accuracy', when: 'METRIC_WHEN_EVALUATION' },
      ]);
      // The compiled config, every default filled, echoed back as a Struct with snake_case keys.
      expect(events.started?.config).toEqual({
        inputs: 8,
        batch_size: 16,
        train_size: 1024,
        test_size: 512,
        l2: 0.001,
      });
      expect(events.finished).toMatchObject({ status: 'RUN_STATUS_COMPLETED' });
      const last = events.finished?.last as Record<string, number>;
      // Two blobs about 4 standard deviations apart: a linear model separates them.
      expect(last.test_accuracy).toBeGreaterThan(0.9);
      expect(last.grad_norm).toBeGreaterThan(0);
    },
    120_000,
  );

  it("takes the CLI's --set <trainer>.<field> against the served schema, sent as config_struct", async () => {
    const result = await cli([
      'run',
      'start',
      '--trainer',
      'logreg',
      '--set',
      'logreg.batch_size=8',
      '--set',
      'logreg.l2=0.01',
      '--max-steps',
      '10',
    ]);
    expect(result.stderr).toBe('');
    const run = JSON.parse(result.stdout) as Run__Output;
    expect(run.spec?.config).toBe('configStruct');
    const fields = run.spec?.configStruct?.fields ?? {};
    expect(fields.batch_size).toMatchObject({ numberValue: 8 });
    expect(fields.l2).toMatchObject({ numberValue: 0.01 });

    const bad = await cli(['run', 'start', '--trainer', 'logreg', '--set', 'logreg.batch_sise=8']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      '--set logreg.batch_sise: got "logreg.batch_sise"; allowed: a config field of trainer logreg (logreg.inputs, logreg.batch_size',
    );
  }, 60_000);

  it('sweeps an axis of the plugin config, resolved against its schema', async () => {
    const result = await cli([
      'sweep',
      'start',
      '--trainer',
      'logreg',
      '--set',
      'logreg.l2=0.01',
      '--max-steps',
      '5',
      '--axis',
      'logreg.batch_size=8,16',
      '--no-compare-noise',
    ]);
    expect(result.stderr).toBe('');
    const sweep = JSON.parse(result.stdout) as Sweep__Output;
    expect(sweep.request?.axes).toEqual([
      { field: 'logreg.batch_size', values: ['8', '16'], distribution: null },
    ]);
    expect(sweep.counts?.total).toBe(2);
    const runs = (await cli(['run', 'list', '--sweep', sweep.id])).stdout;
    const specs = (JSON.parse(runs) as { runs: Run__Output[] }).runs.map((r) => r.spec?.configStruct?.fields);
    // Each run keeps the base's l2 and takes its cell's batch size.
    expect(specs.map((f) => [f?.batch_size?.numberValue, f?.l2?.numberValue]).sort()).toEqual([
      [16, 0.01],
      [8, 0.01],
    ]);
  }, 60_000);
});

describe('a service whose trainer module is bad', () => {
  it.each([
    ['a missing module', () => './examples/no-such-plugin.js', 'no such file'],
    [
      'a module bringing its own tfjs',
      () => {
        const plugin = join(dir, 'own-tfjs');
        mkdirSync(join(plugin, 'node_modules/@tensorflow/tfjs'), { recursive: true });
        writeFileSync(join(plugin, 'index.mjs'), 'export default () => [];\n');
        writeFileSync(join(plugin, 'node_modules/@tensorflow/tfjs/package.json'), '{"main":"tfjs.js"}');
        writeFileSync(join(plugin, 'node_modules/@tensorflow/tfjs/tfjs.js'), '');
        return join(plugin, 'index.mjs');
      },
      'it would load a second copy of @tensorflow/tfjs',
    ],
  ])(
    'does not start with %s, naming the module and the error',
    async (_, specifier, reason) => {
      const module = specifier();
      const start = startReplica({
        databaseUrl: db.url,
        replicaId: 'plugin-bad',
        env: { GRADNOISE_TRAINER_MODULES: `${MODULE},${module}` },
      });
      await expect(start).rejects.toThrow(`trainer module ${module}: ${reason}`);
    },
    120_000,
  );
});
