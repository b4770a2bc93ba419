import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadApi } from '../../../src/client/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec, type RunRequest } from '../../../src/runs/index.js';
import { useFuzzReplica } from './fuzz-replica.js';
import { apiMethods } from './raw-client.js';
import { delimited, HostileRequests, INTEGERS, Random, varintField } from './wire.js';

// The fuzz of fuzz.test.ts aimed at StartRun's init_from (field 23) and retention (field 24): each
// of their integer fields at every edge, then hostile InitFrom and CheckpointRetention messages
// after a valid request's own (naming a stored checkpoint) or a bare one, so the decoding, the
// lookups, the store's key and the compiled retention all get exercised.
const SEED = Number(process.env.GRADNOISE_FUZZ_SEED ?? 20261211);
const REQUESTS = Number(process.env.GRADNOISE_FUZZ_REQUESTS ?? 600);
const TARGETS = [
  [23, 'gradnoise.v1.InitFrom'],
  [24, 'gradnoise.v1.CheckpointRetention'],
] as const;
/** What a refusal may be about: the fields aimed at, a fork's budget, or bytes that do not parse. */
const NAMED =
  /^(init_from\.(run_id|step|mode)|retention\.(keep_last|keep_best\.(metric|direction|count))|max_steps|request)(: | run )/;

describe('hostile init_from and retention on StartRun (seeded, loopback)', () => {
  const fuzz = useFuzzReplica();

  it('answers each with a code that names the field, never INTERNAL, and stores only runs whose init_from holds', async () => {
    const { definition } = loadApi();
    const startRun = apiMethods(definition).find((m) => m.name === 'StartRun');
    if (startRun === undefined) throw new Error('no StartRun');
    const serialize = (request: object): Buffer =>
      (
        definition['gradnoise.v1.TrainingService'] as unknown as Record<
          string,
          { requestSerialize(value: object): Buffer }
        >
      ).StartRun?.requestSerialize(request) ?? Buffer.alloc(0);
    // A run of the project with checkpoints at 10 and 20, and one of another project with one at 10.
    const seed = async (project: string, steps: readonly number[]) => {
      const spec = compileRunSpec({ trainer: 'smoke', maxSteps: 50 }, ANY_DATA_DIR);
      const { run } = await fuzz.replica.store.runs.create({ project, requestId: null, spec, labels: {} });
      for (const step of steps) {
        const bytes = Buffer.from(`checkpoint ${step}`);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const meta = {
          runId: run.id,
          step,
          sizeBytes: bytes.length,
          sha256,
          format: 'safetensors',
          index: {},
        };
        await fuzz.replica.store.checkpoints.save(meta, bytes);
      }
      return run.id;
    };
    const parent = await seed('default', [10, 20]);
    const other = await seed('other', [10]);
    const random = new Random(SEED);
    const strings = () => [parent, other, '', 'not-a-uuid', '00000000-0000-4000-8000-000000000000', 'loss'];
    const hostile = new HostileRequests(definition, random, () => [
      ...strings(),
      'test_accuracy',
      'grad_norm',
      'test_seq_error_len20',
    ]);
    const valid = serialize({
      trainer: 'smoke',
      maxSteps: 50,
      initFrom: { runId: parent, step: 10, mode: 'INIT_MODE_FULL' },
      retention: { keepLast: 2, keepBest: { metric: 'loss', count: 2 } },
    });
    const bare = serialize({ trainer: 'smoke', maxSteps: 50 });

    // Every integer field of the two messages at every edge, in an otherwise valid message sent
    // after the request's own (a later occurrence of a message field replaces it as protobufjs
    // decodes, and merges into it as the protobuf spec says: the same message either way).
    const initFrom = Buffer.concat([
      delimited(1, Buffer.from(parent)),
      varintField(2, 10n),
      varintField(3, 2n),
    ]);
    const keepBest = Buffer.concat([delimited(1, Buffer.from('loss')), varintField(3, 2n)]);
    const retention = Buffer.concat([varintField(1, 2n), delimited(2, keepBest)]);
    const edges = INTEGERS.flatMap((n) => [
      delimited(23, Buffer.concat([initFrom, varintField(2, n)])),
      delimited(23, Buffer.concat([initFrom, varintField(3, n)])),
      delimited(24, Buffer.concat([retention, varintField(1, n)])),
      delimited(
        24,
        Buffer.concat([varintField(1, 2n), delimited(2, Buffer.concat([keepBest, varintField(2, n)]))]),
      ),
      delimited(
        24,
        Buffer.concat([varintField(1, 2n), delimited(2, Buffer.concat([keepBest, varintField(3, n)]))]),
      ),
    ]);
    const bodies = function* (): Generator<Buffer> {
      for (const edge of edges) yield Buffer.concat([valid, edge]);
      for (let i = 0; i < REQUESTS; i++) {
        const [field, type] = random.pick(TARGETS);
        yield Buffer.concat([random.chance(0.7) ? valid : bare, delimited(field, hostile.request(type))]);
      }
    };
    const codes = new Map<string, number>();
    const faults: string[] = [];
    const queue = bodies();
    const send = async (body: Buffer): Promise<void> => {
      const outcome = await fuzz.raw.call(startRun, body);
      const name = status[outcome.code] ?? String(outcome.code);
      codes.set(name, (codes.get(name) ?? 0) + 1);
      const named =
        outcome.code === status.OK ||
        outcome.code === status.RESOURCE_EXHAUSTED ||
        (outcome.code === status.FAILED_PRECONDITION && outcome.details.startsWith('init_from: ')) ||
        ((outcome.code === status.INVALID_ARGUMENT || outcome.code === status.NOT_FOUND) &&
          NAMED.test(outcome.details));
      if (!named) faults.push(`${name}: ${outcome.details} <- ${body.toString('hex').slice(0, 160)}`);
    };
    // Eight at a time, each taking the next body as it finishes.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let next = queue.next(); next.done !== true; next = queue.next()) await send(next.value);
      }),
    );
    console.log(
      `fuzz: seed ${SEED}, ${edges.length} edge and ${REQUESTS} random StartRuns; ` +
        `codes ${JSON.stringify(Object.fromEntries([...codes].sort()))}`,
    );
    expect(faults).toEqual([]);

    const client = new pg.Client({ connectionString: fuzz.db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{
        spec: RunRequest;
        project: string;
        from: string | null;
        step: number | null;
        mode: string | null;
        kept: boolean;
      }>(
        `SELECT r.spec, r.project, r.init_from_run_id AS from, r.init_from_step AS step,
           r.init_from_mode AS mode, c.run_id IS NOT NULL AND p.project = r.project AS kept
         FROM runs r LEFT JOIN checkpoints c ON c.run_id = r.init_from_run_id AND c.step = r.init_from_step
         LEFT JOIN runs p ON p.id = r.init_from_run_id
         WHERE r.id NOT IN ($1, $2)`,
        [parent, other],
      );
      const started = rows.filter((row) => row.from !== null);
      console.log(`fuzz: ${rows.length} runs stored, ${started.length} with init_from`);
      expect(started.length).toBeGreaterThan(0);
      expect(rows.some((row) => row.spec.retention !== undefined)).toBe(true);
      for (const row of rows) expect(compileRunSpec(row.spec, ANY_DATA_DIR)).toEqual(row.spec);
      for (const row of started) {
        expect(row).toMatchObject({ from: parent, kept: true, project: 'default' });
        expect([10, 20]).toContain(row.step);
        expect(['WEIGHTS', 'FULL']).toContain(row.mode);
      }
    } finally {
      await client.end();
    }
  }, 240_000);
});
