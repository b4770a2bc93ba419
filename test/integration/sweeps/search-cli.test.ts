import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { Sweep__Output } from '../../../src/generated/proto/gradnoise/v1/Sweep.js';
import { startTestService, type TestService } from '../../helpers/service.js';

// The Table 5 command of docs/results.md ("random search"), end to end at a tiny size: the CLI
// starts a random search of the Neural GPU on multiplication over learning rate, noise eta, dropout
// and the gate cutoff, with both arms and ASHA, waits for it and prints the report.

let service: TestService;

beforeAll(async () => {
  service = await startTestService({ workers: 2 });
});
afterAll(async () => {
  await service.stop();
});

async function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['--target', service.address, ...args], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) } as unknown as NodeJS.WritableStream,
    env: {},
  });
  return { code, stdout, stderr };
}

const TINY_NGPU = [
  '--trainer',
  'neural_gpu',
  '--set',
  'neural_gpu.task=mul',
  '--set',
  'neural_gpu.maps=4',
  '--set',
  'neural_gpu.layers=1',
  '--set',
  'neural_gpu.height=2',
  '--set',
  'neural_gpu.batch_size=4',
  '--set',
  'neural_gpu.max_train_length=3',
  '--set',
  'neural_gpu.curriculum_start=2',
  '--set',
  'neural_gpu.test_lengths=3',
  '--set',
  'neural_gpu.eval_examples=8',
  '--optimizer',
  'adam',
  '--max-steps',
  '12',
  '--eval-every',
  '4',
  '--metric',
  'test_seq_error_len3',
  '--mode',
  'min',
  '--threshold',
  '0.01',
  '--threshold',
  '0.05',
];

describe('gradnoise sweep start --trials --sample --asha-*', () => {
  it('runs a random search with both arms and ASHA, and reports stopped runs', async () => {
    const args = [
      'sweep',
      'start',
      ...TINY_NGPU,
      '--name',
      'table5-random-tiny',
      '--trials',
      '3',
      '--sweep-seed',
      '7',
      '--sample',
      'optimizer.learning_rate=loguniform:1e-3,3e-2',
      '--sample',
      'noise.eta=choice:0.01,0.3@2,1.0',
      '--sample',
      'neural_gpu.dropout_rate=uniform:0,0.1',
      '--sample',
      'neural_gpu.gate_cutoff=uniform:1,1.2',
      '--asha-grace',
      '4',
      '--asha-eta',
      '2',
    ];
    const json = await cli([...args, '--json', '--watch', '--poll-ms', '200']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const sweep = JSON.parse(json.stdout) as Sweep__Output;
    expect(sweep.done).toBe(true);
    expect(sweep.cells).toHaveLength(3);
    expect(sweep.cells[0]).toMatch(
      /^trial=0,learning_rate=[0-9.e-]+,eta=(0\.01|0\.3|1),dropout_rate=[0-9.e-]+,gate_cutoff=[0-9.]+$/,
    );
    expect(sweep.request?.trials).toBe(3);
    expect(sweep.request?.earlyStopping).toMatchObject({
      metric: 'test_seq_error_len3',
      mode: 'OBJECTIVE_MODE_MIN',
      gracePeriod: '4',
      reductionFactor: 2,
      maxBudget: '12',
    });
    const counts = sweep.counts;
    expect(counts?.total).toBe(6);
    expect((counts?.completed ?? 0) + (counts?.stoppedEarly ?? 0)).toBe(6);
    expect(sweep.report?.armTotals.map((t) => t.arm)).toEqual(['no_noise', 'noise']);

    const report = await cli(['sweep', 'report', sweep.id]);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain(`${counts?.stoppedEarly ?? 0} stopped early`);
    expect(report.stdout).toContain('STOPPED');

    // The same request draws the same trials.
    const again = await cli([...args, '--json']);
    expect((JSON.parse(again.stdout) as Sweep__Output).cells).toEqual(sweep.cells);
  });

  it('refuses a bad --sample before sending anything', async () => {
    const bad = await cli([
      'sweep',
      'start',
      '--trainer',
      'smoke',
      '--trials',
      '2',
      '--sample',
      'optimizer.learning_rate=normal:0,1',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--sample.*uniform, loguniform, int or choice/);
  });
});
