import pg from 'pg';
import { expect } from 'vitest';
import type { RunSpec } from '../../../src/runs/spec.js';
import type { NewRun } from '../../../src/store/index.js';

/** A complete compiled spec, as `runs.spec` stores it. */
export function makeSpec(trainer = 'mlp', seed = 1): RunSpec {
  return {
    trainer,
    trainerConfig: { hiddenLayers: 20, hiddenUnits: 50 },
    optimizer: { kind: 'sgd', learningRate: 0.01 },
    noise: { eta: 0.3, gamma: 0.55, schedule: 'annealed', target: 'gradient', stepsPerTick: 1 },
    clip: { byGlobalNorm: 10 },
    seed,
    maxSteps: 1000,
    evalEvery: 100,
    checkpointEvery: 500,
  };
}

export function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return { project: 'p1', requestId: null, spec: makeSpec(), labels: {}, ...overrides };
}

/** Runs one statement on a short-lived connection (test set-up and inspection). */
export async function sql<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Rejects with an AppError of this code (and, when given, a message matching `message`). */
export async function expectAppError(
  promise: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected AppError ${code}`).toMatchObject({ name: 'AppError', code });
  if (message !== undefined) expect((error as Error).message).toMatch(message);
}
