import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

/**
 * The Ruby client (examples/ruby), a second non-Node language on Debian's ruby-grpc, against the real
 * service: start a run, stream it to the end, download the checkpoint and check its SHA-256.
 */

const EXAMPLE = join(import.meta.dirname, '../../../examples/ruby');

function rubyReady(): string | null {
  try {
    execFileSync('ruby', ['-e', 'require "grpc"; require "google/protobuf"'], { stdio: 'ignore' });
    execFileSync('protoc', ['--version'], { stdio: 'ignore' });
    execFileSync('sh', ['-c', 'command -v grpc_ruby_plugin'], { stdio: 'ignore' });
    return existsSync('/usr/include/google/protobuf/timestamp.proto') ? null : 'libprotobuf-dev missing';
  } catch (error) {
    return String(error);
  }
}

const missing = rubyReady();
if (missing !== null && process.env.CI) {
  throw new Error(`CI must run the Ruby client test, but its tools are missing: ${missing}`);
}

let service: TestService;
let workDir: string;
beforeAll(async () => {
  if (missing !== null) return;
  workDir = mkdtempSync(join(tmpdir(), 'gradnoise-rb-'));
  execFileSync(join(EXAMPLE, 'generate.sh'), [join(workDir, 'gen')], { stdio: 'ignore' });
  service = await startTestService();
});
afterAll(async () => {
  if (missing !== null) return;
  await service?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

function runRuby(
  args: string[],
): Promise<{ code: number; events: Record<string, Record<string, unknown>>; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      'ruby',
      [join(EXAMPLE, 'gradnoise_client.rb'), '--target', service.address, '--json', ...args],
      {
        env: { ...process.env, GRADNOISE_RUBY_GEN: join(workDir, 'gen') },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => {
      const lines = stdout.trim() === '' ? [] : stdout.trim().split('\n');
      const events = Object.fromEntries(
        lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((e) => [String(e.event), e]),
      );
      resolve({ code: code ?? -1, events, stderr });
    });
  });
}

describe.skipIf(missing !== null)('a Ruby client (Debian ruby-grpc)', () => {
  it('starts a run, streams it to the end, and downloads a checkpoint whose SHA-256 matches', async () => {
    const out = join(workDir, 'ckpt.safetensors');
    const { code, events, stderr } = await runRuby(['--trainer', 'smoke', '--max-steps', '40', '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(events.started).toMatchObject({ status: 'QUEUED' });
    expect(events.streamed).toMatchObject({ status: 'COMPLETED', last_step: 40 });
    expect(Number(events.streamed?.points)).toBeGreaterThanOrEqual(40);
    expect(events.checkpoint).toMatchObject({ step: 40, format: 'safetensors' });

    // The bytes on disk are the server's checkpoint, byte for byte.
    const file = readFileSync(out);
    const sha256 = createHash('sha256').update(file).digest('hex');
    expect(events.checkpoint?.sha256).toBe(sha256);
    const runId = String(events.started?.run_id);
    const [meta, ...chunks] = await api(service.client).getCheckpoint({ runId, step: 0 });
    expect(meta?.sha256).toBe(sha256);
    expect(Buffer.concat(chunks.map((c) => Buffer.from(c.data)))).toEqual(file);

    const shapes = events.tensors?.shapes as Record<string, number[]>;
    expect(Object.keys(shapes).some((n) => n.startsWith('model/'))).toBe(true);
    const run = await api(service.client).getRun({ runId });
    expect(run.labels).toEqual({ client: 'ruby' });
  });

  it('reports a rejected request with its gRPC status and exits non-zero', async () => {
    const { code, events } = await runRuby(['--trainer', 'no_such_trainer', '--max-steps', '5']);
    expect(code).toBe(2);
    expect(events.error).toMatchObject({ code: 3 });
    expect(String(events.error?.details)).toContain('trainer');
  });
});
