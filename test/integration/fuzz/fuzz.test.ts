import { status } from '@grpc/grpc-js';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadApi } from '../../../src/client/index.js';
import { ANY_DATA_DIR } from '../../../src/data/index.js';
import { compileRunSpec, type RunRequest } from '../../../src/runs/index.js';
import { useFuzzReplica } from './fuzz-replica.js';
import { apiMethods, type RawOutcome } from './raw-client.js';
import { HostileRequests, Random } from './wire.js';

// Bounded: stops at REQUESTS or after BUDGET_MS, whichever comes first. GRADNOISE_FUZZ_SEED and
// GRADNOISE_FUZZ_REQUESTS replay or extend a run.
const SEED = Number(process.env.GRADNOISE_FUZZ_SEED ?? 20261128);
const REQUESTS = Number(process.env.GRADNOISE_FUZZ_REQUESTS ?? 1500);
const BUDGET_MS = 90_000;
const CONCURRENCY = 12;

/** grpc.health.v1.HealthCheckResponse{status: SERVING}. */
const SERVING = Buffer.from([0x08, 0x01]);

describe('hostile input on every RPC (seeded, loopback)', () => {
  const fuzz = useFuzzReplica();

  it('answers INVALID_ARGUMENT, not INTERNAL, to bytes that are not a protobuf message, on every RPC', async () => {
    const garbage = [
      Buffer.from([0x0f]), // wire type 7 does not exist
      Buffer.from([0x0e]), // nor does 6
      Buffer.from([0x00]), // field number 0
      Buffer.from([0x0c]), // an end-group with no group
      Buffer.from([0x08, 0xff]), // a varint cut short
    ];
    for (const method of apiMethods()) {
      for (const body of garbage) {
        const outcome = await fuzz.raw.call(method, body);
        expect({ method: method.name, code: status[outcome.code] }).toEqual({
          method: method.name,
          code: 'INVALID_ARGUMENT',
        });
        expect(outcome.details).toMatch(
          /^request: got bytes that are not a valid \w+ request message \(.+\)$/,
        );
      }
    }
  });

  it('never crashes, never answers UNKNOWN or INTERNAL, and never stores a run whose spec does not compile', async () => {
    const { definition } = loadApi();
    const methods = apiMethods(definition);
    const random = new Random(SEED);
    const knownIds: string[] = [];
    const strings = () => [
      '',
      'smoke',
      'mlp',
      'neural_gpu',
      'resnet',
      'default',
      'loss',
      'test_accuracy',
      'grad_norm',
      'optimizer.learning_rate',
      'noise.eta',
      'noise.gamma',
      'mlp.depth',
      'smoke.hidden_units',
      'seed',
      '0.1',
      '-1',
      '1e309',
      'NaN',
      '0',
      '3',
      'a=b',
      'key',
      'sweep_id',
      'display_name',
      'labels',
      'labels.key',
      'labels.sweep_id',
      randomUUIDFrom(random),
      '00000000-0000-0000-0000-000000000000',
      'not-a-uuid',
      "'; DROP TABLE runs; --",
      ...knownIds.slice(-8),
    ];
    const hostile = new HostileRequests(definition, random, strings);
    const valid: Record<string, Buffer | undefined> = {
      'gradnoise.v1.StartRunRequest': serialize(definition, 'gradnoise.v1.TrainingService', 'StartRun', {
        trainer: 'smoke',
        maxSteps: 50,
      }),
      'gradnoise.v1.StartSweepRequest': serialize(definition, 'gradnoise.v1.SweepService', 'StartSweep', {
        name: 'fuzz',
        base: { trainer: 'smoke', maxSteps: 20 },
        seeds: 1,
        // A random search with ASHA, so that its fields are fuzzed too.
        trials: 2,
        sweepSeed: 3,
        axes: [
          {
            field: 'optimizer.learning_rate',
            distribution: { kind: 'DISTRIBUTION_KIND_LOG_UNIFORM', low: 0.001, high: 0.1 },
          },
          {
            field: 'smoke.layers',
            distribution: { kind: 'DISTRIBUTION_KIND_CHOICE', choices: ['1', '2'], weights: [1, 2] },
          },
        ],
        earlyStopping: { metric: 'test_accuracy', gracePeriod: 5, reductionFactor: 2, maxBudget: 20 },
      }),
    };

    // A stored sweep and run, so that hostile requests built on these valid ones (CancelSweep,
    // ListCheckpoints, GetRunMetrics, ...) get past the lookup too.
    const seeded = async (method: string, body: Buffer): Promise<string> => {
      const found = methods.find((m) => m.name === method);
      if (found === undefined) throw new Error(`no method ${method}`);
      const outcome = await fuzz.raw.call(found, body);
      expect(outcome.code, outcome.details).toBe(status.OK);
      return runIdOf(outcome);
    };
    const sweepId = await seeded('StartSweep', valid['gradnoise.v1.StartSweepRequest'] ?? Buffer.alloc(0));
    const runId = await seeded('StartRun', valid['gradnoise.v1.StartRunRequest'] ?? Buffer.alloc(0));
    knownIds.push(sweepId, runId);
    const sweeps = 'gradnoise.v1.SweepService';
    valid['gradnoise.v1.CancelSweepRequest'] = serialize(definition, sweeps, 'CancelSweep', { sweepId });
    valid['gradnoise.v1.ListSweepsRequest'] = serialize(definition, sweeps, 'ListSweeps', {
      labels: { key: 'a=b' },
      state: 'SWEEP_STATE_ACTIVE',
      pageSize: 2,
    });
    // UpdateRun and DeleteRun on a stored run: the mask, the values and (as nothing trains) the
    // refusal to delete a QUEUED run.
    valid['gradnoise.v1.UpdateRunRequest'] = serialize(
      definition,
      'gradnoise.v1.TrainingService',
      'UpdateRun',
      {
        runId,
        displayName: 'fuzz',
        labels: { key: 'a=b' },
        updateMask: { paths: ['display_name', 'labels.key'] },
      },
    );
    valid['gradnoise.v1.DeleteRunRequest'] = serialize(
      definition,
      'gradnoise.v1.TrainingService',
      'DeleteRun',
      {
        runId,
      },
    );
    valid['gradnoise.v1.ListCheckpointsRequest'] = serialize(
      definition,
      'gradnoise.v1.TrainingService',
      'ListCheckpoints',
      { runId, pageSize: 2 },
    );
    valid['gradnoise.v1.GetRunMetricsRequest'] = serialize(
      definition,
      'gradnoise.v1.TrainingService',
      'GetRunMetrics',
      { runId, names: ['loss'], fromStep: 1, toStep: 40, pageSize: 2 },
    );

    const codes = new Map<string, number>();
    const faults: string[] = [];
    const started = Date.now();
    let sent = 0;
    const one = async (): Promise<void> => {
      const method = random.pick(methods);
      const body = hostile.request(method.requestType, valid[method.requestType]);
      // Streams of runs that exist stay open while they are queued; a short deadline ends them.
      const outcome: RawOutcome = await fuzz.raw.call(
        method,
        body,
        undefined,
        method.responseStream ? 1500 : 20_000,
      );
      const name = status[outcome.code] ?? String(outcome.code);
      codes.set(name, (codes.get(name) ?? 0) + 1);
      if (outcome.code === status.UNKNOWN || outcome.code === status.INTERNAL) {
        faults.push(`${method.name} ${name}: ${outcome.details} <- ${body.toString('hex').slice(0, 200)}`);
      }
      // Run and sweep ids (both field 1 of the answer) make later requests hit stored rows: GetRun,
      // ListCheckpoints, CancelSweep and the rest then get past the lookup.
      if (outcome.code === status.OK && (method.name === 'StartRun' || method.name === 'StartSweep'))
        knownIds.push(runIdOf(outcome));
    };
    while (sent < REQUESTS && Date.now() - started < BUDGET_MS) {
      const batch = Math.min(CONCURRENCY, REQUESTS - sent);
      sent += batch;
      await Promise.all(Array.from({ length: batch }, one));
    }
    const elapsed = Date.now() - started;
    console.log(
      `fuzz: seed ${SEED}, ${sent} requests over ${methods.length} RPCs in ${(elapsed / 1000).toFixed(1)} s; ` +
        `codes ${JSON.stringify(Object.fromEntries([...codes].sort()))}`,
    );

    expect(faults).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(Math.min(REQUESTS, 300));
    // The server side agrees: no handler ended Unknown or Internal.
    const text = await fuzz.replica.registry.metrics();
    expect(text).not.toMatch(/grpc_server_handled_total\{[^}]*grpc_code="(Unknown|Internal)"\} [1-9]/);
    // Still serving.
    const health = await fuzz.raw.call(
      { path: '/grpc.health.v1.Health/Check', responseStream: false },
      Buffer.alloc(0),
    );
    expect(health.responses).toEqual([SERVING]);

    // Every stored run is one the validation let through: its spec compiles to itself.
    const client = new pg.Client({ connectionString: fuzz.db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string; spec: RunRequest; trainer: string }>(
        'SELECT id, spec, trainer FROM runs',
      );
      console.log(`fuzz: ${rows.length} runs stored, each re-compiled`);
      for (const row of rows) {
        expect(compileRunSpec(row.spec, ANY_DATA_DIR)).toEqual(row.spec);
        expect(row.trainer).toBe(row.spec.trainer);
      }
    } finally {
      await client.end();
    }
  }, 240_000);
});

function serialize(
  definition: ReturnType<typeof loadApi>['definition'],
  service: string,
  method: string,
  request: object,
): Buffer {
  const methods = definition[service] as unknown as Record<
    string,
    { requestSerialize(value: object): Buffer }
  >;
  const found = methods[method];
  if (found === undefined) throw new Error(`no method ${service}/${method}`);
  return found.requestSerialize(request);
}

/** The id of a Run or Sweep message: field 1, a string. */
function runIdOf(outcome: RawOutcome): string {
  const bytes = outcome.responses[0];
  if (bytes === undefined || bytes[0] !== 0x0a) return '';
  const length = bytes[1] ?? 0;
  return bytes.subarray(2, 2 + length).toString('utf8');
}

/** A uuid from the seeded generator (the fuzz must not depend on Math.random). */
function randomUUIDFrom(random: Random): string {
  const hex = random.bytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
