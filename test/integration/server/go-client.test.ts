import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStatus } from '../../../src/generated/proto/gradnoise/v1/RunStatus.js';
import { api, createSweepClient } from '../../helpers/client.js';
import { runProcess, toolchainMissing } from '../../helpers/foreign-client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

/**
 * The Go client (clients/go): its stubs generated with Debian's protoc-gen-go and the gRPC plugin
 * built from golang-google-grpc-dev's source, its example built offline in GOPATH mode
 * (clients/go/build.sh), then run against the real service: an MLP run watched and its checkpoint
 * downloaded, a no-noise-versus-noise sweep and its report, and a BadRequest decoded.
 */

const CLIENT = join(import.meta.dirname, '../../../clients/go');
const GOCODE = '/usr/share/gocode/src';

/** Skipped only without Go; .ci/run installs it, and under CI a missing `go` fails instead. */
const missing = toolchainMissing('Go', [['go', 'version']]);

/** What build.sh needs besides `go`, by Debian package; an error names the ones not installed. */
const NEEDS: readonly (readonly [path: string, pkg: string])[] = [
  ['/usr/bin/protoc', 'protobuf-compiler'],
  ['/usr/bin/protoc-gen-go', 'protoc-gen-go'],
  [`${GOCODE}/google.golang.org/grpc/cmd/protoc-gen-go-grpc`, 'golang-google-grpc-dev'],
  [`${GOCODE}/google.golang.org/protobuf/compiler/protogen`, 'golang-google-protobuf-dev'],
  [`${GOCODE}/github.com/golang/protobuf/proto/registry.go`, 'golang-github-golang-protobuf-1-5-dev'],
  [`${GOCODE}/google.golang.org/genproto/googleapis/rpc/errdetails`, 'golang-google-genproto-dev'],
];

/** A Go build cache kept across runs in the temp dir, so only the first build compiles grpc-go. */
const GO_CACHE = join(tmpdir(), 'gradnoise-go');
const STEPS = 20;

let service: TestService;
let workDir: string;
let example: string;
beforeAll(async () => {
  if (missing !== null) return;
  const absent = NEEDS.filter(([path]) => !existsSync(path)).map(([, pkg]) => pkg);
  if (absent.length > 0) throw new Error(`the Go client needs: apt-get install ${absent.join(' ')}`);
  workDir = mkdtempSync(join(tmpdir(), 'gradnoise-go-'));
  example = join(workDir, 'example');
  const build = await runProcess(join(CLIENT, 'build.sh'), [example], {
    ...process.env,
    GOCACHE: join(GO_CACHE, 'build'),
    GRADNOISE_GO_BIN: join(GO_CACHE, 'bin'),
  });
  if (build.code !== 0) throw new Error(`clients/go/build.sh failed (${build.code}):\n${build.stderr}`);
  service = await startTestService();
}, 300_000);
afterAll(async () => {
  if (missing !== null) return;
  await service?.stop();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

type Events = Record<string, Record<string, unknown>>;

async function runExample(args: string[]): Promise<{ code: number; events: Events; stderr: string }> {
  const { code, stdout, stderr } = await runProcess(example, ['--target', service.address, ...args]);
  const lines = stdout.trim() === '' ? [] : stdout.trim().split('\n');
  const events: Events = Object.fromEntries(
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((e) => [String(e.event), e]),
  );
  return { code, events, stderr };
}

describe.skipIf(missing !== null)('the Go client (Debian golang-go, protoc-gen-go, grpc-go)', () => {
  it('trains an mlp run, downloads its checkpoint, sweeps both arms and decodes a BadRequest', async () => {
    const out = join(workDir, 'ckpt.safetensors');
    const { code, events, stderr } = await runExample(['--steps', String(STEPS), '--out', out]);
    expect(stderr).toBe('');
    expect(events.error).toBeUndefined();
    expect(code).toBe(0);

    // TrainingService: the run as the server stored it, and the bytes the example saved.
    expect(events.started).toMatchObject({ status: RunStatus.RUN_STATUS_QUEUED });
    expect(events.streamed).toMatchObject({
      status: RunStatus.RUN_STATUS_COMPLETED,
      completed: true,
      last_step: STEPS,
    });
    expect(Number(events.streamed?.points)).toBeGreaterThanOrEqual(STEPS);
    expect(Number.isFinite(events.streamed?.last_loss)).toBe(true);
    const runId = String(events.started?.run_id);
    const run = await api(service.client).getRun({ runId });
    expect(run).toMatchObject({
      status: RunStatus.RUN_STATUS_COMPLETED,
      trainer: 'mlp',
      labels: { client: 'go' },
    });
    expect(run.spec?.mlp).toMatchObject({ depth: 2, width: 32 });

    expect(events.checkpoint).toMatchObject({ step: STEPS, format: 'safetensors', path: out });
    expect(Number(events.checkpoint?.listed)).toBeGreaterThanOrEqual(2);
    expect(Number(events.checkpoint?.weight_tensors)).toBeGreaterThan(0);
    const file = readFileSync(out);
    expect(events.checkpoint?.sha256).toBe(createHash('sha256').update(file).digest('hex'));
    const [meta] = await api(service.client).getCheckpoint({ runId, step: STEPS });
    expect(meta?.sha256).toBe(events.checkpoint?.sha256);

    // SweepService: one cell, one seed, both arms, and the report the server computes.
    expect(events.sweep_started).toMatchObject({ runs: 2, cells: ['base'] });
    const sweepId = String(events.sweep_started?.sweep_id);
    expect(events.sweep).toMatchObject({
      sweep_id: sweepId,
      done: true,
      metric: 'test_accuracy',
      completed: 2,
    });
    const { client, api: sweeps } = createSweepClient(service.address);
    try {
      const sweep = await sweeps.getSweep({ sweepId });
      expect(events.sweep?.rows).toEqual(
        sweep.report?.rows.map((r) => ({
          cell: r.cell,
          arm: r.arm,
          runs: r.runs,
          completed: r.completed,
          evaluated: r.evaluated,
          best: r.best,
          mean: r.mean,
          reached: r.reached,
        })),
      );
      expect(sweep.report?.rows.map((r) => [r.arm, r.completed, r.evaluated])).toEqual([
        ['no_noise', 1, 1],
        ['noise', 1, 1],
      ]);
    } finally {
      client.close();
    }

    // The BadRequest detail of an INVALID_ARGUMENT, decoded by grpc-go's status and genproto.
    const description = 'got -1; allowed: a finite number >= 0';
    expect(events.invalid_argument).toEqual({
      event: 'invalid_argument',
      code: 'InvalidArgument',
      message: `noise.eta: ${description}`,
      field_violations: [{ field: 'noise.eta', description }],
    });
  }, 180_000);

  it('reports an RPC error by its code and exits 2', async () => {
    const { code, events } = await runExample(['--steps', '-5']);
    expect(events.error).toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringContaining('max_steps'),
    });
    expect(events.started).toBeUndefined();
    expect(code).toBe(2);
  });

  it('keeps the example gofmt-clean', async () => {
    const { code, stdout, stderr } = await runProcess('gofmt', ['-l', join(CLIENT, 'example')]);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
