import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../../helpers/service.js';

const PYTHON = '/usr/bin/python3';
const EXAMPLE = join(import.meta.dirname, '../../../examples/python');

/** The Python client needs Debian's python3-grpcio, protoc 3.21 and the gRPC plugin (.ci/run installs them). */
function pythonReady(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import grpc, google.protobuf, numpy'], { stdio: 'ignore' });
    execFileSync('protoc', ['--version'], { stdio: 'ignore' });
    execFileSync('sh', ['-c', 'command -v grpc_python_plugin'], { stdio: 'ignore' });
    return existsSync('/usr/include/google/protobuf/timestamp.proto') ? null : 'libprotobuf-dev missing';
  } catch (error) {
    return String(error);
  }
}

const missing = pythonReady();
if (missing !== null && process.env.CI) {
  throw new Error(`CI must run the Python client test, but its tools are missing: ${missing}`);
}

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
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [join(EXAMPLE, 'gradnoise_client.py'), ...args], {
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
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
