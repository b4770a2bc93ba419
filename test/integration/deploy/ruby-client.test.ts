import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../helpers/client.js';
import { runProcess, toolchainMissing } from '../../helpers/foreign-client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

/**
 * The Ruby client (examples/ruby), a second non-Node language on Debian's ruby-grpc, against the real
 * service: start a run, stream it to the end, download the checkpoint and check its SHA-256.
 */

const EXAMPLE = join(import.meta.dirname, '../../../examples/ruby');

const missing = toolchainMissing('Ruby', [
  ['ruby', '-e', 'require "grpc"; require "google/protobuf"'],
  ['protoc', '--version'],
  ['sh', '-c', 'command -v grpc_ruby_plugin'],
]);

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

async function runRuby(
  args: string[],
): Promise<{ code: number; events: Record<string, Record<string, unknown>>; stderr: string }> {
  const { code, stdout, stderr } = await runProcess(
    'ruby',
    [join(EXAMPLE, 'gradnoise_client.rb'), '--target', service.address, '--json', ...args],
    { ...process.env, GRADNOISE_RUBY_GEN: join(workDir, 'gen') },
  );
  const lines = stdout.trim() === '' ? [] : stdout.trim().split('\n');
  const events = Object.fromEntries(
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((e) => [String(e.event), e]),
  );
  return { code, events, stderr };
}

describe.skipIf(missing !== null)('a Ruby client (Debian ruby-grpc)', () => {
  it('starts a run, streams it to the end, and downloads a checkpoint whose SHA-256 matches', async () => {
    const out = join(workDir, 'ckpt.safetensors');
    const { code, events, stderr } = await runRuby(['--trainer', 'smoke', '--max-steps', '40', '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(events.started).toMatchObject({ status: 'RUN_STATUS_QUEUED' });
    expect(events.streamed).toMatchObject({ status: 'RUN_STATUS_COMPLETED', last_step: 40 });
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
