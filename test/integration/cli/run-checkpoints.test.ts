import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListCheckpointsResponse__Output } from '../../../src/generated/proto/gradnoise/v1/ListCheckpointsResponse.js';
import type { Run__Output } from '../../../src/generated/proto/gradnoise/v1/Run.js';
import { type CliResult, cliAgainst } from '../../helpers/cli.js';
import { waitForStatus } from '../../helpers/client.js';
import { startTestService, type TestService } from '../../helpers/service.js';

// `gradnoise run start` with the retention flags and --init-from/--init-mode, `run get` showing
// them, and their bad values refused naming the flag, against a real server.
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

const SMOKE = ['--trainer', 'smoke', '--max-steps', '20', '--eval-every', '5', '--set', 'checkpoint_every=5'];

describe('gradnoise run start: retention and init_from flags', () => {
  it('prunes by --keep-last/--keep-best*, starts a fork with --init-from run@step --init-mode full, and shows both', async () => {
    const parent = json<Run__Output>(
      await cli([
        '--json',
        'run',
        'start',
        ...SMOKE,
        '--keep-last',
        '1',
        '--keep-best',
        'loss',
        '--keep-best-direction',
        'min',
        '--keep-best-count',
        '2',
      ]),
    );
    expect(parent.spec?.retention).toEqual({
      keepLast: 1,
      keepBest: { metric: 'loss', direction: 'METRIC_DIRECTION_MIN', count: 2 },
    });
    await waitForStatus(service.client, parent.id, ['RUN_STATUS_COMPLETED']);
    const listed = json<ListCheckpointsResponse__Output>(
      await cli(['--json', 'checkpoint', 'list', parent.id]),
    );
    const steps = listed.checkpoints.map((c) => Number(c.step));
    expect(steps).toContain(20);
    expect(steps.length).toBeLessThanOrEqual(3);
    const from = steps[0] ?? 0;

    const fork = json<Run__Output>(
      await cli([
        '--json',
        'run',
        'start',
        ...SMOKE,
        '--init-from',
        `${parent.id}@${from}`,
        '--init-mode',
        'full',
      ]),
    );
    expect(fork.initFrom).toEqual({ runId: parent.id, step: String(from), mode: 'INIT_MODE_FULL' });
    const shown = await cli(['run', 'get', fork.id]);
    expect(shown.stdout).toMatch(new RegExp(`init from\\s+${parent.id} @ step ${from}, full \\(fork\\)\\n`));
    expect(shown.stdout).toMatch(/retention\s+all checkpoints\n/);
    expect((await cli(['run', 'get', parent.id])).stdout).toMatch(
      /retention\s+the 1 latest and the 2 best by loss \(min\)\n/,
    );
    await waitForStatus(service.client, fork.id, ['RUN_STATUS_COMPLETED']);
    const refused = await cli(['run', 'delete', parent.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `FAILED_PRECONDITION: run ${parent.id} cannot be deleted: run ${fork.id}`,
    );
  });

  it.each<[string, readonly string[], string]>([
    [
      'a mode without a run',
      ['--init-mode', 'full'],
      '--init-mode: got "full"; allowed: only with --init-from',
    ],
    [
      'an unknown mode',
      ['--init-from', 'x', '--init-mode', 'sideways'],
      '--init-mode: got "sideways"; allowed: weights or full',
    ],
    ['a bad step', ['--init-from', 'x@-3'], '--init-from: got "-3"; allowed: an integer in [1, 2147483647]'],
    ['a bad count', ['--keep-best-count', 'many'], '--keep-best-count: got "many"'],
    [
      'an undeclared metric (the server)',
      ['--keep-best', 'nope'],
      'INVALID_ARGUMENT: retention.keep_best.metric: got "nope"',
    ],
    [
      'an unknown run (the server)',
      ['--init-from', 'not-a-run'],
      'NOT_FOUND: init_from.run_id: run "not-a-run" not found',
    ],
  ])('refuses %s naming the flag or field', async (_, flags, text) => {
    const result = await cli(['run', 'start', ...SMOKE, ...flags]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(text);
  });
});
