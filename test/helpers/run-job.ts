import type { MetricPoint, RunSpec } from '../../src/core/index.js';
import { ANY_DATA_DIR } from '../../src/data/index.js';
import { decodeCheckpoint } from '../../src/runs/index.js';
import { runJob } from '../../src/runs/worker/loop.js';
import type { FromWorker, RunInit, RunOutcome } from '../../src/runs/worker/protocol.js';
import type { TrainerRegistry } from '../../src/trainers/index.js';

/**
 * One attempt of `spec` through the real worker loop on this thread (wasm), its messages collected:
 * what the unit tests of training, resume and stream versions drive. Points are posted once, at the
 * end, unless `flushPoints` says otherwise.
 */
export async function runInProcess(
  spec: RunSpec,
  options: {
    readonly checkpoint?: Uint8Array | null;
    readonly runId?: string;
    readonly attempt?: number;
    readonly flushPoints?: number;
    readonly trainers?: TrainerRegistry;
    /** Another run's checkpoint to start from (the job's init_from). */
    readonly init?: RunInit;
  } = {},
): Promise<{ outcome: RunOutcome; messages: FromWorker[] }> {
  const messages: FromWorker[] = [];
  const outcome = await runJob(
    {
      runId: options.runId ?? 'run-1',
      attempt: options.attempt ?? 1,
      spec,
      control: new SharedArrayBuffer(4),
      checkpoint: options.checkpoint ?? null,
      ...(options.init === undefined ? {} : { init: options.init }),
    },
    {
      backend: 'wasm',
      flushIntervalMs: 1_000_000,
      flushPoints: options.flushPoints ?? 40,
      dataRoots: ANY_DATA_DIR,
      ...(options.trainers === undefined ? {} : { trainers: options.trainers }),
    },
    (message) => messages.push(message),
  );
  return { outcome, messages };
}

/** The metric points among a worker's messages, in posting order. */
export const postedPoints = (messages: readonly FromWorker[]): MetricPoint[] =>
  messages.flatMap((m) => (m.type === 'metrics' ? m.points : []));

/** The checkpoints among a worker's messages, in posting order. */
export const postedCheckpoints = (messages: readonly FromWorker[]) =>
  messages.flatMap((m) => (m.type === 'checkpoint' ? [m] : []));

/** The store's view of points posted by successive attempts: one value per (name, step), the later kept. */
export function storedView(...attempts: readonly (readonly MetricPoint[])[]): [number, string, number][] {
  const byKey = new Map<string, MetricPoint>();
  for (const points of attempts) for (const p of points) byKey.set(`${p.step}/${p.name}`, p);
  return [...byKey.values()]
    .sort((a, b) => a.step - b.step || a.name.localeCompare(b.name))
    .map((p) => [p.step, p.name, p.value]);
}

/** A checkpoint's model tensors as (name, bytes), for bit-for-bit comparison. */
export const checkpointWeights = (bytes: Uint8Array | undefined) =>
  decodeCheckpoint(bytes ?? new Uint8Array()).model.map((t) => [t.name, Buffer.from(t.values.buffer)]);
