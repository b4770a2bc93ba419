import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { runProcess, toolchainMissing } from '../../helpers/foreign-client.js';
import { startTestService, type TestService } from '../../helpers/service.js';
import { type InProcessReplica, startInProcessReplica } from '../scaleout/in-process.js';

const PYTHON = '/usr/bin/python3';
const EXAMPLE = join(import.meta.dirname, '../../../examples/python');

/** The Python client needs Debian's python3-grpcio, protoc 3.21 and the gRPC plugin (.ci/run installs them). */
const missing = toolchainMissing('Python', [
  [PYTHON, '-c', 'import grpc, google.protobuf, numpy'],
  ['protoc', '--version'],
  ['sh', '-c', 'command -v grpc_python_plugin'],
]);

let service: TestService;
/** A replica that trains nothing and lets one run wait: the second StartRun is over quota. */
let quotaDb: TestDatabase;
let quota: InProcessReplica;
let workDir: string;
beforeAll(async () => {
  if (missing !== null) return;
  execFileSync(join(EXAMPLE, 'generate.sh'), { stdio: 'ignore' });
  service = await startTestService();
  quotaDb = await createTestDatabase();
  quota = await startInProcessReplica(quotaDb.url, { owner: 'py-quota' }, { start: false, maxQueuedRuns: 1 });
  workDir = mkdtempSync(join(tmpdir(), 'gradnoise-py-'));
});
afterAll(async () => {
  if (missing !== null) return;
  await service.stop();
  await quota.stop();
  await quotaDb.drop();
  rmSync(workDir, { recursive: true, force: true });
});

function runPython(
  args: string[],
  script = 'gradnoise_client.py',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runProcess(PYTHON, [join(EXAMPLE, script), ...args], {
    ...process.env,
    PYTHONUNBUFFERED: '1',
  });
}

interface PythonError {
  code: string;
  message: string;
  status: {
    code: number;
    message: string;
    field_violations: { field: string; description: string }[];
    quota_violations: { subject: string; description: string }[];
  } | null;
}

/** StartRun from Python (examples/python/error_details.py): the run id, or the decoded error. */
async function startRunFromPython(
  target: string,
  request: object,
): Promise<PythonError | { run_id: string }> {
  const result = await runPython(['--target', target, JSON.stringify(request)], 'error_details.py');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as PythonError | { run_id: string };
}

describe.skipIf(missing !== null)('a Python client (Debian python3-grpcio)', () => {
  it('starts a run, streams it to the end, downloads the checkpoint and reads it as safetensors', async () => {
    const out = join(workDir, 'ckpt.safetensors');
    const result = await runPython([
      '--target',
      service.address,
      '--trainer',
      'smoke',
      '--max-steps',
      '40',
      '--out',
      out,
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const byName = Object.fromEntries(events.map((e) => [e.event, e]));
    expect(byName.started).toMatchObject({ status: 'RUN_STATUS_QUEUED' });
    expect(byName.streamed).toMatchObject({ status: 'RUN_STATUS_COMPLETED' });
    expect(Number(byName.streamed?.points)).toBeGreaterThanOrEqual(40 * 3);
    expect(byName.checkpoint).toMatchObject({ step: 40, format: 'safetensors' });
    const shapes = byName.tensors?.shapes as Record<string, number[]>;
    expect(Object.keys(shapes).some((n) => n.startsWith('model/'))).toBe(true);
    expect(existsSync(out)).toBe(true);
  });

  it('decodes BadRequest from grpc-status-details-bin as google.rpc.Status', async () => {
    const cases: [object, string, string][] = [
      [{ trainer: 'smoke', noise: { eta: -1 } }, 'noise.eta', 'got -1; allowed: a finite number >= 0'],
      [
        {
          trainer: 'smoke',
          lr_schedule: { kind: 'LEARNING_RATE_SCHEDULE_KIND_STEP', factor: 0, every_steps: 5 },
        },
        'lr_schedule.factor',
        'got 0; allowed: a number in (0, 1]',
      ],
      [{ trainer: 'memn2n', memn2n: { task: 99 } }, 'memn2n.task', 'got 99; allowed: an integer in [1, 20]'],
    ];
    for (const [request, field, description] of cases) {
      const got = await startRunFromPython(service.address, request);
      expect(got).toEqual({
        code: 'INVALID_ARGUMENT',
        message: `${field}: ${description}`,
        status: {
          code: status.INVALID_ARGUMENT,
          message: `${field}: ${description}`,
          field_violations: [{ field, description }],
          quota_violations: [],
        },
      });
    }
  });

  it('decodes QuotaFailure of the queued-run quota', async () => {
    expect(await startRunFromPython(quota.address, { trainer: 'smoke' })).toHaveProperty('run_id');
    const got = await startRunFromPython(quota.address, { trainer: 'smoke' });
    const message =
      'project "default" has 1 queued runs; at most 1 may wait at once (adding 1). Wait for some to start or cancel them';
    expect(got).toEqual({
      code: 'RESOURCE_EXHAUSTED',
      message,
      status: {
        code: status.RESOURCE_EXHAUSTED,
        message,
        field_violations: [],
        quota_violations: [{ subject: 'project:default', description: message }],
      },
    });
  });
});
