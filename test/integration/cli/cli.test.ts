import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerMetadata } from '../../../src/client/index.js';
import type { Run__Output } from '../../../src/generated/proto/gradnoise/v1/Run.js';
import type { Sweep__Output } from '../../../src/generated/proto/gradnoise/v1/Sweep.js';
import { type CliResult, cliAgainst } from '../../helpers/cli.js';
import { startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;
let dir: string;

beforeAll(async () => {
  service = await startTestService();
  dir = await mkdtemp(join(tmpdir(), 'gradnoise-cli-'));
});
afterAll(async () => {
  await service.stop();
  await rm(dir, { recursive: true, force: true });
});

type Result = CliResult;

/** Runs the CLI in-process against the test server, capturing its output. */
const cli = cliAgainst(() => service.address);

function json<T>(result: Result): T {
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as T;
}

describe('gradnoise CLI', () => {
  it('starts a run and watches it to completion with exit code 0', async () => {
    const result = await cli(['run', 'start', '--trainer', 'smoke', '--max-steps', '20', '--watch']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^run [0-9a-f-]{36} COMPLETED at step 20\/20, loss \d+\.\d+\n$/);
  });

  it('prints runs as parseable JSON with --json, with every flag applied', async () => {
    const started = json<Run__Output>(
      await cli([
        '--json',
        'run',
        'start',
        '--trainer',
        'smoke',
        '--max-steps',
        '15',
        '--eta',
        '0.3',
        '--gamma',
        '0.6',
        '--schedule',
        'fixed',
        '--noise-generator',
        'ziggurat',
        '--seed',
        '7',
        '--lr',
        '0.05',
        '--optimizer',
        'momentum',
        '--set',
        'optimizer.momentum=0.9',
        '--clip-norm',
        '2',
        '--set',
        'smoke.hidden_units=4',
        '--label',
        'exp=cli',
      ]),
    );
    expect(started.spec).toMatchObject({
      maxSteps: '15',
      seed: '7',
      noise: { eta: 0.3, gamma: 0.6, schedule: 'SCHEDULE_FIXED', generator: 'NOISE_GENERATOR_ZIGGURAT' },
      optimizer: { kind: 'OPTIMIZER_KIND_MOMENTUM', learningRate: 0.05, momentum: 0.9 },
      clip: { byGlobalNorm: 2 },
      smoke: { hiddenUnits: 4 },
    });
    expect(started.labels).toEqual({ exp: 'cli' });
    // proto-loader's presence markers of optional fields ("_eta": "eta") are not part of the JSON,
    // the trainer-config oneof's name is.
    expect(started.spec?.noise).not.toHaveProperty('_eta');
    expect(JSON.stringify(started)).not.toMatch(/"_[a-zA-Z]+":/);
    expect(started.spec?.config).toBe('smoke');

    const watched = await cli(['--json', 'run', 'watch', started.id]);
    expect(watched.code).toBe(0);
    expect(json<Run__Output>(watched).status).toBe('RUN_STATUS_COMPLETED');

    const got = json<Run__Output>(await cli(['--json', 'run', 'get', started.id]));
    expect(got).toMatchObject({ id: started.id, endReason: 'RUN_END_REASON_BUDGET' });
    const listed = json<{ runs: Run__Output[] }>(await cli(['--json', 'run', 'list', '--label', 'exp=cli']));
    expect(listed.runs.map((r) => [r.id, r.endReason])).toEqual([[started.id, 'RUN_END_REASON_BUDGET']]);
    // --status takes the short name in any case (or the wire name); the table shows the short name.
    const completed = await cli(['run', 'list', '--status', 'completed', '--label', 'exp=cli']);
    expect(completed.stdout).toMatch(new RegExp(`^${started.id} +COMPLETED +smoke `, 'm'));
    const running = json<{ runs: Run__Output[] }>(
      await cli(['--json', 'run', 'list', '--status', 'RUN_STATUS_RUNNING', '--label', 'exp=cli']),
    );
    expect(running.runs).toEqual([]);
    // The help lists every status the server takes, the sweeps' STOPPED_EARLY included.
    expect((await cli(['run', 'list', '--help'])).stdout).toMatch(/cancelled, stopped_early/);
    const human = await cli(['run', 'get', started.id]);
    expect(human.stdout).toContain('status     COMPLETED');
    expect(human.stdout).toContain('ended      budget spent');
  });

  it('exits 3 when a watched run is cancelled and 2 when it fails', async () => {
    const started = json<Run__Output>(
      await cli(['--json', 'run', 'start', '--trainer', 'smoke', '--max-steps', '1000000']),
    );
    expect((await cli(['run', 'cancel', started.id])).code).toBe(0);
    const cancelled = await cli(['run', 'watch', started.id]);
    expect(cancelled.code).toBe(3);
    expect(cancelled.stdout).toContain('CANCELLED');

    // Noise of standard deviation 1e15 through three ReLU layers overflows float32: the loss turns NaN.
    const diverged = await cli([
      'run',
      'start',
      '--trainer',
      'smoke',
      '--max-steps',
      '50',
      '--eta',
      '1e30',
      '--set',
      'smoke.layers=3',
      '--watch',
    ]);
    expect(diverged.code).toBe(2);
    expect(diverged.stdout).toContain('FAILED');
    expect(diverged.stdout).toContain('loss is NaN');
  });

  it('exits 1 with the error on stderr for an unknown run and for a bad flag', async () => {
    const unknown = await cli(['run', 'get', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(
      /^error: NOT_FOUND: run "00000000-0000-4000-8000-000000000000" not found\n$/,
    );

    const badFlag = await cli(['run', 'start', '--trainer', 'smoke', '--lr', 'fast']);
    expect(badFlag.code).toBe(1);
    expect(badFlag.stderr).toContain('--lr: got "fast"; allowed: a number');

    const badValue = await cli(['run', 'start', '--trainer', 'smoke', '--eta', '-1']);
    expect(badValue.stderr).toContain('INVALID_ARGUMENT: noise.eta: got -1');
  });

  it('exits 1 from a real process, reading the target from GRADNOISE_TARGET', async () => {
    const result = await new Promise<Result>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', 'run', 'get', '00000000-0000-4000-8000-000000000000'],
        { env: { ...process.env, GRADNOISE_TARGET: service.address } },
        (error, stdout, stderr) =>
          resolve({ code: error?.code === undefined ? 0 : Number(error.code), stdout, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: NOT_FOUND: run');
  });

  it('stops quietly (exit 0, no stack) when the reader of its output goes away, as `| head` does', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--json', 'run', 'list'], {
      env: { ...process.env, GRADNOISE_TARGET: service.address },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closed before the answer arrives, so the CLI's first write meets a closed pipe (EPIPE).
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });

  it("prints a run's stored metrics, filtered by name and step, as a table or JSON", async () => {
    const started = json<Run__Output>(
      await cli(['--json', 'run', 'start', '--trainer', 'smoke', '--max-steps', '12']),
    );
    const all = json<{ status: string; points: { step: number; name: string; value: number }[] }>(
      await cli(['--json', 'run', 'metrics', started.id]),
    );
    expect(all.status).toBe('RUN_STATUS_COMPLETED');
    const losses = all.points.filter((p) => p.name === 'loss');
    expect(losses.map((p) => p.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const some = json<{ points: { step: number; name: string }[] }>(
      await cli(['--json', 'run', 'metrics', started.id, '--names', 'loss', '--since-step', '10']),
    );
    expect(some.points).toEqual([
      expect.objectContaining({ step: 11, name: 'loss' }),
      expect.objectContaining({ step: 12, name: 'loss' }),
    ]);
    const table = await cli(['run', 'metrics', started.id, '--names', 'loss']);
    expect(table.stdout.split('\n')[0]).toMatch(/^STEP\s+NAME\s+VALUE/);
    expect(table.stdout).toMatch(
      new RegExp(`\\n12 +loss +${String(losses.at(-1)?.value).replace('.', '\\.')}\\n`),
    );
    const bad = await cli(['run', 'metrics', started.id, '--since-step', '-1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--since-step: got "-1"; allowed: an integer in [0,');
  });

  it('downloads a checkpoint and verifies its sha256', async () => {
    const started = json<Run__Output>(
      await cli(['--json', 'run', 'start', '--trainer', 'smoke', '--max-steps', '10']),
    );
    expect((await cli(['run', 'watch', started.id])).code).toBe(0);
    const out = join(dir, 'model.safetensors');
    const result = json<{ sha256: string; sizeBytes: number; step: string }>(
      await cli(['--json', 'checkpoint', 'get', started.id, '--out', out]),
    );
    const bytes = await readFile(out);
    expect(bytes.byteLength).toBe(result.sizeBytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(result.sha256);
    expect(result.step).toBe('10');
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(header).some((k) => k.startsWith('model/'))).toBe(true);
  });

  it('starts a sweep, reports it like the paper and plots its curves to SVG', async () => {
    const started = await cli([
      'sweep',
      'start',
      '--trainer',
      'smoke',
      '--max-steps',
      '20',
      '--eval-every',
      '5',
      '--axis',
      'optimizer.learning_rate=0.2,0.05',
      '--seeds',
      '2',
      '--threshold',
      '0.5',
      '--name',
      'cli sweep',
      '--watch',
      '--poll-ms',
      '100',
    ]);
    expect(started.code).toBe(0);
    expect(started.stderr).toMatch(/^sweep [0-9a-f-]{36} queued 8 runs\n$/);
    const id = /sweep ([0-9a-f-]{36})/.exec(started.stderr)?.[1] ?? '';
    expect(started.stdout).toContain(`sweep ${id} "cli sweep": 8 runs, 8 completed, 0 failed`);
    const lines = started.stdout.trimEnd().split('\n');
    const header = lines.findIndex((l) => l.startsWith('CELL'));
    expect(lines[header]?.split(/\s{2,}/)).toEqual([
      'CELL',
      'ARM',
      'RUNS',
      'DONE',
      'DIVERGED',
      'STOPPED',
      'PENDING',
      'BEST',
      'AVG',
      'AVG FINAL',
      '>=0.5',
    ]);
    expect(lines.slice(header + 1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ['learning_rate=0.2', 'no_noise', '2', '2'],
      ['learning_rate=0.2', 'noise', '2', '2'],
      ['learning_rate=0.05', 'no_noise', '2', '2'],
      ['learning_rate=0.05', 'noise', '2', '2'],
      ['all', 'no_noise', '4', '4'],
      ['all', 'noise', '4', '4'],
    ]);

    const report = json<Sweep__Output>(await cli(['--json', 'sweep', 'report', id]));
    expect(report.report?.rows).toHaveLength(4);
    expect(report.report).toMatchObject({ metric: 'test_accuracy', thresholds: [0.5] });

    // The same runs under another objective: every best test loss is <= 1e9, none <= -1.
    const args = ['sweep', 'report', id, '--metric', 'test_loss', '--threshold', '1e9', '--threshold', '-1'];
    const overridden = json<Sweep__Output>(await cli(['--json', ...args, '--mode', 'min']));
    expect(overridden.report).toMatchObject({
      metric: 'test_loss',
      mode: 'OBJECTIVE_MODE_MIN',
      thresholds: [1e9, -1],
    });
    expect(overridden.request?.objective?.metric).toBe('test_accuracy');
    expect(overridden.report?.armTotals.map((r) => [r.arm, r.evaluated, ...r.reached])).toEqual([
      ['no_noise', 4, 4, 0],
      ['noise', 4, 4, 0],
    ]);
    const table = await cli(args);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('objective: test_loss, lower is better');
    expect(table.stdout).toMatch(/AVG FINAL\s+<=1000000000\s+<=-1\n/);
    const badMode = await cli([...args, '--mode', 'up']);
    expect(badMode.code).toBe(1);
    expect(badMode.stderr).toContain('--mode: got "up"; allowed: max or min');
    expect((await cli(['sweep', 'runs', id])).stdout.trimEnd().split('\n')).toHaveLength(9);

    // Restart selection: the picked seed per cell and arm, then the means over cells.
    const select = ['sweep', 'report', id, '--select-by', 'test_loss', '--report-metric', 'test_accuracy'];
    const selected = await cli(select);
    expect(selected.code).toBe(0);
    expect(selected.stdout).toContain(
      'restart selection: per cell and arm the run with the lowest final test_loss',
    );
    const selectedLines = selected.stdout.split('\n');
    const selectionHeader = selectedLines.findIndex((l) =>
      /^CELL\s+ARM\s+RUNS\s+CANDIDATES\s+SEED\s+test_loss\s+test_accuracy/.test(l),
    );
    expect(selectionHeader).toBeGreaterThan(0);
    expect(
      selectedLines.slice(selectionHeader + 1, selectionHeader + 7).map((l) => l.split(/\s+/).slice(0, 4)),
    ).toEqual([
      ['learning_rate=0.2', 'no_noise', '2', '2'],
      ['learning_rate=0.2', 'noise', '2', '2'],
      ['learning_rate=0.05', 'no_noise', '2', '2'],
      ['learning_rate=0.05', 'noise', '2', '2'],
      ['all', '(mean)', 'no_noise', '2'],
      ['all', '(mean)', 'noise', '2'],
    ]);
    // A reported selection metric is printed once.
    const both = await cli([...select, '--report-metric', 'test_loss']);
    expect(both.stdout).toMatch(/CANDIDATES\s+SEED\s+test_accuracy\s+test_loss\n/);
    const lonely = await cli([...args, '--report-metric', 'test_accuracy']);
    expect(lonely.code).toBe(1);
    expect(lonely.stderr).toContain('--select-by: got undefined; allowed: a metric name when --select-mode');

    const svgPath = join(dir, 'curves.svg');
    const plotted = await cli(['sweep', 'plot', id, '--out', svgPath]);
    expect(plotted.code).toBe(0);
    expect(plotted.stdout).toBe(`wrote ${svgPath}: 4 curves of test_accuracy\n`);
    const svg = await readFile(svgPath, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // Four panels, each with a line and a band per arm.
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThanOrEqual(16);
    expect(svg).toContain('learning_rate=0.05');
    expect(svg).toContain('no_noise');
  });

  it('documents every option with its default and the exit codes', async () => {
    for (const command of [
      ['run', 'start'],
      ['run', 'watch'],
      ['run', 'list'],
      ['run', 'update'],
      ['run', 'delete'],
      ['run', 'metrics'],
      ['run', 'summary'],
      ['checkpoint', 'get'],
      ['checkpoint', 'list'],
      ['sweep', 'start'],
      ['sweep', 'report'],
      ['sweep', 'plot'],
      ['sweep', 'list'],
      ['sweep', 'cancel'],
    ]) {
      const help = await cli([...command, '--help']);
      expect(help.code).toBe(0);
      const options = help.stdout.split('\n').filter((l) => /^ {2}--/.test(l) && !l.includes('--help'));
      for (const option of options) {
        const block = help.stdout.slice(help.stdout.indexOf(option)).split(/\n {2}-/)[0] ?? '';
        expect(block, `${command.join(' ')} ${option}`).toMatch(/default|required/);
      }
    }
    expect((await cli(['run', 'watch', '--help'])).stdout).toContain('2  the watched run FAILED');
  });

  it('sends --token as a bearer token, and nothing without one', () => {
    expect(bearerMetadata('s3cret').get('authorization')).toEqual(['Bearer s3cret']);
    expect(bearerMetadata(undefined).get('authorization')).toEqual([]);
  });
});
