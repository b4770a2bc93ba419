import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint, RunStatus } from '../../../src/core/index.js';
import type { RunRequest } from '../../../src/runs/index.js';
import { builtinTrainers } from '../../../src/trainers/index.js';
import { createHarness, type Harness } from './harness.js';

/**
 * The smallest config of each built-in trainer, so a run with an evaluation at every step takes
 * seconds. A trainer missing here still runs, with its defaults.
 */
const TINY: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  smoke: { trainSize: 64, testSize: 32, batchSize: 16 },
  mlp: { depth: 1, width: 8, batchSize: 16, data: { source: 'mnist', trainSize: 64, testSize: 32 } },
  // The curriculum advances after every batch at its frontier, so the `curriculum_length` that
  // trainStep reports (the length it trained) and the one evaluate reports (after the update) differ.
  neural_gpu: {
    task: 'add',
    maps: 4,
    layers: 1,
    height: 2,
    batchSize: 4,
    maxTrainLength: 6,
    curriculumStart: 1,
    curriculumThreshold: 1,
    curriculumWindow: 1,
    testLengths: [4],
    evalExamples: 8,
  },
  layers: { batchSize: 16, data: { format: 'mnist', trainSize: 64, testSize: 32 } },
  neural_programmer: {
    columns: 3,
    textColumn: true,
    rows: 9,
    hiddenSize: 8,
    datasetSize: 16,
    evalSize: 8,
    batchSize: 4,
  },
};

const MAX_STEPS = 6;

interface Watched {
  readonly trainer: string;
  readonly runId: string;
  readonly live: Promise<{ points: MetricPoint[]; status: RunStatus | null }>;
}

const key = (p: MetricPoint) => `${p.name}@${p.step}`;
const triples = (points: readonly MetricPoint[]) =>
  points.map((p) => [p.step, p.name, p.value] as const).sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));

describe('StreamMetrics live equals replay for every built-in trainer (evaluation at every step)', () => {
  let h: Harness;
  const watched: Watched[] = [];

  beforeAll(async () => {
    h = await createHarness();
    // No poll timeouts: every point a watcher yields comes from the live fan-out, none from a read
    // of the store, which holds one value per (name, step) whatever was streamed.
    const { scheduler } = h.scheduler('live', { workers: 1, watchPollMs: 600_000 });
    for (const trainer of builtinTrainers.list()) {
      const request: RunRequest = {
        trainer: trainer.name,
        trainerConfig: TINY[trainer.name] ?? {},
        seed: 5,
        maxSteps: MAX_STEPS,
        evalEvery: 1,
        checkpointEvery: MAX_STEPS,
      };
      const run = await h.queue(request);
      // Subscribed before any replica trains: the whole run streams live.
      const collect = async () => {
        const points: MetricPoint[] = [];
        let status: RunStatus | null = null;
        const signal = new AbortController().signal;
        for await (const event of scheduler.watch(run, { sinceStep: 0, names: [], signal })) {
          if (event.kind === 'points') points.push(...event.points);
          else status = event.status;
        }
        return { points, status };
      };
      const live = collect();
      live.catch(() => undefined); // awaited, and its failure reported, by the trainer's test
      watched.push({ trainer: trainer.name, runId: run.id, live });
    }
    await scheduler.start();
  });
  afterAll(() => h.close());

  it('covers every registered trainer', () => {
    expect(watched.map((w) => w.trainer)).toEqual(builtinTrainers.list().map((t) => t.name));
    expect(watched.map((w) => w.trainer)).toContain('neural_gpu');
  });

  for (const trainer of builtinTrainers.list()) {
    it(`${trainer.name}: the same (step, name, value) points, each (name, step) once`, async () => {
      const run = watched.find((w) => w.trainer === trainer.name);
      if (run === undefined) throw new Error(`no run for ${trainer.name}`);
      const live = await run.live;
      expect(live.status).toBe('COMPLETED');
      const replay = await h.points(run.runId);

      const seen = new Set<string>();
      const repeated = live.points.filter((p) => seen.has(key(p)) || !seen.add(key(p)));
      expect(repeated.map((p) => `${key(p)}=${p.value}`)).toEqual([]);
      expect(triples(live.points)).toEqual(triples(replay));
      const steps = (name: string) => replay.filter((p) => p.name === name).map((p) => p.step);
      expect(steps('loss')).toEqual([1, 2, 3, 4, 5, 6]);
      // The name reported both per step and per evaluation is there, once per step.
      if (trainer.name === 'neural_gpu') expect(steps('curriculum_length')).toEqual([1, 2, 3, 4, 5, 6]);
    });
  }
});
