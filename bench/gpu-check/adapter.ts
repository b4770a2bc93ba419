/**
 * Step 1 of `scripts/gpu-check.sh`: can tfjs reach a WebGPU adapter here, and which one?
 *
 *   tsx bench/gpu-check/adapter.ts <out.json>
 *
 * Selects `webgpu` by name (so a software adapter is accepted and reported as one) and writes
 * `AdapterProbe` (`report.ts`): the adapter's vendor, architecture and description, or the reason
 * no adapter was found (Dawn's message). The script decides from it whether a GPU is reachable.
 */
import { writeFileSync } from 'node:fs';
import { releaseBackend, selectBackend } from '../../src/backend/index.js';
import type { AdapterProbe } from './report.js';

async function probe(): Promise<AdapterProbe> {
  try {
    const selection = await selectBackend('webgpu');
    const result: AdapterProbe = {
      ok: true,
      device: selection.device,
      software: selection.software,
      ...(selection.adapter === undefined ? {} : { adapter: { ...selection.adapter } }),
    };
    releaseBackend(selection);
    return result;
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

const out = process.argv[2];
if (out === undefined) throw new Error('usage: adapter.ts <out.json>');
const result = await probe();
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(result.ok ? `adapter: ${result.device}` : `no adapter: ${result.reason}`);
process.exit(0);
