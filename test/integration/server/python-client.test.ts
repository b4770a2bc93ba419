import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess, toolchainMissing } from '../../helpers/foreign-client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

const PYTHON = '/usr/bin/python3';
const EXAMPLE = join(import.meta.dirname, '../../../examples/python');

/** The Python client needs Debian's python3-grpcio, protoc 3.21 and the gRPC plugin (.ci/run installs them). */
const missing = toolchainMissing('Python', [
  [PYTHON, '-c', 'import grpc, google.protobuf, numpy'],
  ['protoc', '--version'],
  ['sh', '-c', 'command -v grpc_python_plugin'],
]);

let service: TestService;
let workDir: string;
beforeAll(async () => {
  if (missing !== null) return;
  execFileSync(join(EXAMPLE, 'generate.sh'), { stdio: 'ignore' });
  service = await startTestService();
  workDir = mkdtempSync(join(tmpdir(), 'gradnoise-py-'));
});
afterAll(async () => {
  if (missing !== null) return;
  await service.stop();
  rmSync(workDir, { recursive: true, force: true });
});

function runPython(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runProcess(PYTHON, [join(EXAMPLE, 'gradnoise_client.py'), ...args], {
    ...process.env,
    PYTHONUNBUFFERED: '1',
  });
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
    expect(byName.started).toMatchObject({ status: 'QUEUED' });
    expect(byName.streamed).toMatchObject({ status: 'COMPLETED' });
    expect(Number(byName.streamed?.points)).toBeGreaterThanOrEqual(40 * 3);
    expect(byName.checkpoint).toMatchObject({ step: 40, format: 'safetensors' });
    const shapes = byName.tensors?.shapes as Record<string, number[]>;
    expect(Object.keys(shapes).some((n) => n.startsWith('model/'))).toBe(true);
    expect(existsSync(out)).toBe(true);
  });
});
