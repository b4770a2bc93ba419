/**
 * Writes the stream-version-1 compatibility fixtures of test/fixtures/stream-v1/ (see its README).
 *
 * Run it only at a commit from before stream versions (cab56fc): it trains each fixture run through
 * the real worker loop (`runJob`) on the wasm backend and records what a run stored then holds, the
 * stored spec, a checkpoint file at an intermediate step, and every metric point, plus a digest of
 * each tensor of the final checkpoint. Run on a later commit it would record that commit's streams,
 * which proves nothing, so it refuses once specs carry a `streamVersion`.
 *
 *   npx tsx test/helpers/stream-v1-fixtures.ts [out-dir]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../src/backend/index.js';
import { decodeCheckpoint } from '../../src/checkpoint/index.js';
import { ANY_DATA_DIR } from '../../src/data/index.js';
import { compileRunSpec } from '../../src/runs/compile-spec.js';
import { runJob } from '../../src/runs/worker/loop.js';
import type { FromWorker } from '../../src/runs/worker/protocol.js';
import { V1_FIXTURES } from './stream-v1.js';

/** The digest of one checkpoint tensor: sha256 of its little-endian bytes. */
export function tensorDigests(bytes: Uint8Array): Record<string, string> {
  const contents = decodeCheckpoint(bytes);
  const out: Record<string, string> = {};
  for (const [prefix, list] of [
    ['model/', contents.model],
    ['optimizer/', contents.optimizer],
  ] as const) {
    for (const t of list) {
      const view = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
      out[prefix + t.name] = createHash('sha256').update(view).digest('hex');
    }
  }
  return out;
}

async function main(): Promise<void> {
  const outDir = process.argv[2] ?? 'test/fixtures/stream-v1';
  if (!(await selectBackend('wasm'))) throw new Error('the wasm backend is unavailable');
  mkdirSync(outDir, { recursive: true });
  for (const fixture of V1_FIXTURES) {
    const spec = compileRunSpec(fixture.request, ANY_DATA_DIR);
    if ('streamVersion' in spec) {
      throw new Error('specs carry a streamVersion: check out cab56fc to record version-1 streams');
    }
    const messages: FromWorker[] = [];
    const outcome = await runJob(
      { runId: fixture.runId, attempt: 1, spec, control: new SharedArrayBuffer(4), checkpoint: null },
      { backend: 'wasm', flushIntervalMs: 1_000_000, flushPoints: 1_000, dataRoots: ANY_DATA_DIR },
      (message) => messages.push(message),
    );
    if (outcome.status !== 'COMPLETED') throw new Error(`${fixture.name}: ${JSON.stringify(outcome)}`);
    const checkpoints = messages.flatMap((m) => (m.type === 'checkpoint' ? [m] : []));
    const resumeFrom = checkpoints.find((c) => c.step === fixture.resumeStep);
    const final = checkpoints.at(-1);
    if (resumeFrom === undefined || final === undefined) throw new Error(`${fixture.name}: no checkpoint`);
    const points = messages
      .flatMap((m) => (m.type === 'metrics' ? m.points : []))
      .map((p) => [p.step, p.name, p.value] as const);
    writeFileSync(join(outDir, `${fixture.name}.spec.json`), `${JSON.stringify(spec, null, 2)}\n`);
    writeFileSync(join(outDir, `${fixture.name}.step${fixture.resumeStep}.safetensors`), resumeFrom.bytes);
    const expected = { finalStep: final.step, finalTensors: tensorDigests(final.bytes), points };
    writeFileSync(join(outDir, `${fixture.name}.expected.json`), `${JSON.stringify(expected, null, 1)}\n`);
    console.log(`${fixture.name}: ${points.length} points, checkpoint ${resumeFrom.bytes.byteLength} bytes`);
  }
}

if (process.argv[1]?.endsWith('stream-v1-fixtures.ts')) await main();
