import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CancelSweepResponse__Output } from '../../../src/generated/proto/gradnoise/v1/CancelSweepResponse.js';
import type { DeleteRunResponse__Output } from '../../../src/generated/proto/gradnoise/v1/DeleteRunResponse.js';
import type { GetRunMetricsResponse__Output } from '../../../src/generated/proto/gradnoise/v1/GetRunMetricsResponse.js';
import type { ListCheckpointsResponse__Output } from '../../../src/generated/proto/gradnoise/v1/ListCheckpointsResponse.js';
import type { ListSweepsResponse__Output } from '../../../src/generated/proto/gradnoise/v1/ListSweepsResponse.js';
import type { Run__Output } from '../../../src/generated/proto/gradnoise/v1/Run.js';
import { type CliResult, cliAgainst } from '../../helpers/cli.js';
import { api, waitForStatus } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

// One worker: a long sweep run holds it, so the sweep stays active until the CLI cancels it.
let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: 1 });
});
afterAll(() => service.stop());

type Result = CliResult;

/** Runs the CLI in-process against the test server, capturing its output. */
const cli = cliAgainst(() => service.address);

function json<T>(result: Result): T {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('gradnoise checkpoint list, run summary, sweep list and cancel, run update and delete', () => {
  it("lists a run's checkpoints as a table or JSON, page by page", async () => {
    const run = await api(service.client).startRun({ trainer: 'smoke', maxSteps: 12, checkpointEvery: 4 });
    await waitForStatus(service.client, run.id, ['RUN_STATUS_COMPLETED']);

    const table = await cli(['checkpoint', 'list', run.id]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s+/)).toEqual(['STEP', 'BYTES', 'SHA256', 'CREATED']);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['4', '8', '12']);
    expect(lines[1]).toMatch(/^4\s+\d+\s+[0-9a-f]{64}\s+\d{4}-\d{2}-\d{2}T/);

    const first = json<ListCheckpointsResponse__Output>(
      await cli(['--json', 'checkpoint', 'list', run.id, '--page-size', '2']),
    );
    expect(first.checkpoints.map((c) => c.step)).toEqual(['4', '8']);
    const human = await cli(['checkpoint', 'list', run.id, '--page-size', '2']);
    expect(human.stdout).toContain(`next page: --page-token ${first.nextPageToken}\n`);
    const rest = json<ListCheckpointsResponse__Output>(
      await cli(['--json', 'checkpoint', 'list', run.id, '--page-token', first.nextPageToken]),
    );
    expect(rest).toMatchObject({ checkpoints: [{ step: '12' }], nextPageToken: '' });

    const unknown = await cli(['checkpoint', 'list', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^error: NOT_FOUND: run "00000000-0000-4000-8000-000000000000" not found\n$/,
    );
  });

  it("summarises a run's metrics and reads its stored points without following it", async () => {
    const run = await api(service.client).startRun({ trainer: 'smoke', maxSteps: 12, evalEvery: 6 });
    await waitForStatus(service.client, run.id, ['RUN_STATUS_COMPLETED']);
    const streamed = json<{ points: { step: number; name: string; value: number }[] }>(
      await cli(['--json', 'run', 'metrics', run.id, '--since-step', '3']),
    );
    const stored = json<{ status: string; points: { step: number; name: string; value: number }[] }>(
      await cli(['--json', 'run', 'metrics', run.id, '--since-step', '3', '--no-follow']),
    );
    expect(stored).toEqual({ runId: run.id, status: 'RUN_STATUS_COMPLETED', points: streamed.points });

    const summary = json<GetRunMetricsResponse__Output & { runId: string }>(
      await cli(['--json', 'run', 'summary', run.id, '--names', 'loss,test_accuracy']),
    );
    expect(summary.summaries.map((s) => s.name)).toEqual(['loss', 'test_accuracy']);
    const losses = streamed.points.filter((p) => p.name === 'loss');
    expect(summary.summaries[0]).toMatchObject({
      count: '12',
      nonFiniteCount: '0',
      last: { step: '12', value: losses.at(-1)?.value },
      min: { value: Math.min(...losses.map((p) => p.value)) },
    });
    const table = await cli(['run', 'summary', run.id]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual([
      'NAME',
      'POINTS',
      'NON-FINITE',
      'LAST',
      'LAST FINITE',
      'MIN',
      'MAX',
    ]);
    expect(lines.find((l) => l.startsWith('loss '))).toMatch(/^loss\s+12\s+0\s+\S+ @ 12\s/);
    // The declared metrics' summaries show on `run get` too.
    const shown = (await cli(['run', 'get', run.id])).stdout;
    expect(shown).toMatch(/\nstatus +COMPLETED\n/);
    expect(shown).toMatch(/\n\nMETRIC +POINTS +LAST +MIN +MAX\n/);
    expect(shown).toMatch(/\nloss +12 +\S+ @ 12 +\S+ @ \d+ +\S+ @ \d+\n/);

    const unknown = await cli(['run', 'summary', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: NOT_FOUND: /);
  });

  it('lists sweeps by label and state, and cancels one gracefully', async () => {
    const started = await cli([
      'sweep',
      'start',
      '--trainer',
      'smoke',
      '--max-steps',
      '1000000',
      '--seeds',
      '2',
      '--no-compare-noise',
      '--name',
      'long one',
      '--label',
      'team=cli',
    ]);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const table = await cli(['sweep', 'list', '--label', 'team=cli']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual([
      'ID',
      'NAME',
      'STATE',
      'ENDED',
      'FAILED',
      'CREATED',
      'LABELS',
    ]);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      [id, 'long one', 'active', '0/2', '0', expect.stringMatching(/^\d{4}-/), 'team=cli'],
    ]);
    const done = () => cli(['--json', 'sweep', 'list', '--label', 'team=cli', '--state', 'done']);
    expect(json<ListSweepsResponse__Output>(await done()).sweeps).toEqual([]);
    expect(
      json<ListSweepsResponse__Output>(await cli(['--json', 'sweep', 'list', '--label', 'team=x'])).sweeps,
    ).toEqual([]);

    // Wait for the worker to claim one run, so the cancel meets a RUNNING and a QUEUED run.
    const claimDeadline = Date.now() + 30_000;
    while (
      (await api(service.client).listRuns({ sweepId: id, statuses: ['RUN_STATUS_RUNNING'] })).runs.length ===
        0 &&
      Date.now() < claimDeadline
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const cancelled = await cli(['sweep', 'cancel', id]);
    expect(cancelled).toEqual({
      code: 0,
      stdout: `sweep ${id}: 1 queued runs cancelled, 1 running runs stopping after a final checkpoint; active\n`,
      stderr: '',
    });
    const deadline = Date.now() + 30_000;
    let listed = json<ListSweepsResponse__Output>(await done());
    while (listed.sweeps.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      listed = json<ListSweepsResponse__Output>(await done());
    }
    expect(listed.sweeps.map((s) => [s.id, s.state, s.counts?.cancelled])).toEqual([
      [id, 'SWEEP_STATE_DONE', 2],
    ]);
    expect(json<CancelSweepResponse__Output>(await cli(['--json', 'sweep', 'cancel', id]))).toMatchObject({
      sweepId: id,
      cancelled: 0,
      stopping: 0,
      state: 'SWEEP_STATE_DONE',
    });
  });

  it('exits 1 naming the flag for a bad --state, and NOT_FOUND for an unknown sweep', async () => {
    const bad = await cli(['sweep', 'list', '--state', 'paused']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--state: got "paused"; allowed: one of active, done');
    const unknown = await cli(['sweep', 'cancel', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND: sweep "00000000-0000-4000-8000-000000000000" not found');
  });

  it('renames and relabels a run with run update, and deletes finished runs with run delete', async () => {
    const start = (name: string) =>
      cli([
        'run',
        'start',
        '--trainer',
        'smoke',
        '--max-steps',
        '6',
        '--name',
        name,
        '--label',
        'team=cli',
        '--label',
        'tmp=1',
      ]);
    const first = (await start('first')).stdout.trim();
    const second = (await start('second')).stdout.trim();
    expect(first).toMatch(/^[0-9a-f-]{36}$/);

    const updated = json<Run__Output>(
      await cli([
        '--json',
        'run',
        'update',
        first,
        '--name',
        'baseline',
        '--label',
        'owner=ana',
        '--remove-label',
        'tmp',
      ]),
    );
    expect(updated).toMatchObject({ id: first, displayName: 'baseline' });
    expect(updated.labels).toEqual({ team: 'cli', owner: 'ana' });
    const cleared = await cli(['run', 'update', first, '--name', '']);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(
      new RegExp(`^run ${first} updated: name "", labels (team=cli,owner=ana|owner=ana,team=cli)\n$`),
    );
    const nothing = await cli(['run', 'update', first]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('at least one of --name, --label, --remove-label');
    const unknownPath = await cli(['run', 'update', first, '--label', 'bad key=1']);
    expect(unknownPath.code).toBe(1);
    expect(unknownPath.stderr).toContain('INVALID_ARGUMENT: update_mask.paths[0]: got "labels.bad key"');

    await waitForStatus(service.client, first, ['RUN_STATUS_COMPLETED']);
    await waitForStatus(service.client, second, ['RUN_STATUS_COMPLETED']);
    const deleted = json<DeleteRunResponse__Output>(await cli(['--json', 'run', 'delete', first]));
    expect(deleted.run?.id).toBe(first);
    expect(Number(deleted.metricPointsDeleted)).toBeGreaterThan(0);
    expect(Number(deleted.checkpointsDeleted)).toBeGreaterThan(0);
    const text = await cli(['run', 'delete', second]);
    expect(text.stdout).toMatch(
      new RegExp(
        `^run ${second} deleted: [1-9]\\d* metric points, [1-9]\\d* checkpoints \\([1-9]\\d* bytes\\)\n$`,
      ),
    );
    const again = await cli(['run', 'delete', first]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`NOT_FOUND: run "${first}" not found`);
  });

  it('lists the trainers, shows one with its fields, defaults and metrics, and names an unknown one', async () => {
    const list = await cli(['trainers']);
    expect(list.code).toBe(0);
    const rows = list.stdout.trimEnd().split('\n');
    expect(rows[0]?.split(/\s+/).slice(0, 3)).toEqual(['NAME', 'PAPER', 'METRICS']);
    const names = rows.slice(1).map((r) => r.split(/\s+/)[0]);
    expect(names).toEqual(
      expect.arrayContaining(['mlp', 'neural_gpu', 'memn2n', 'neural_programmer', 'nram']),
    );

    const np = await cli(['trainers', 'neural_programmer']);
    expect(np.code).toBe(0);
    expect(np.stdout).toMatch(/^neural_programmer \(paper §4\.3\): /);
    expect(np.stdout).toContain('typed config: gradnoise.v1.NeuralProgrammerConfig');
    const field = (name: string) => np.stdout.split('\n').find((l) => l.startsWith(`${name} `));
    expect(field('hidden_size')).toMatch(/^hidden_size\s+int\s+64\s+an integer in \[2, 512\]\s+\S/);
    expect(field('templates')).toMatch(/^templates\s+enum\s+full\s/);
    expect(np.stdout).toMatch(/\ntest_accuracy\s+evaluation\s+max\s/);

    const asJson = json<{ name: string; configFields: { name: string }[] }>(
      await cli(['--json', 'trainers', 'nram']),
    );
    expect(asJson.name).toBe('nram');
    expect(asJson.configFields.map((f) => f.name)).toContain('memory_size');

    const unknown = await cli(['trainers', 'resnet']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: INVALID_ARGUMENT: trainer: got "resnet"; allowed: one of .*mlp/);
  });
});
