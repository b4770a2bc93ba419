/**
 * `npm run bench:parallel`: does the hardware scale? The paper's 20 × 50 MLP training step (the real
 * `mlp` session and NoisyOptimizer, wasm, η = 0.01) in one child process alone, then in two children
 * side by side, each timing 1,500 steps after a 200-step warm-up. The efficiency is the solo step
 * time over the mean of the paired ones: 1.0 means two runs cost no more per step than one, the
 * ceiling for the service's sweep scaling on this machine (docs/benchmarks.md, Sweep scaling).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./step/parallel-child.ts', import.meta.url));

function child(): Promise<{ wallMs: number; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`child exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as { wallMs: number; cpuMs: number });
    });
  });
}

const alone = await child();
const pair = await Promise.all([child(), child()]);
const mean = (pair[0].wallMs + pair[1].wallMs) / 2;
const fmt = (r: { wallMs: number; cpuMs: number }) =>
  `${r.wallMs.toFixed(2)} ms wall, ${r.cpuMs.toFixed(2)} ms CPU`;
console.log(`alone:      ${fmt(alone)} per step`);
console.log(`side by side: ${fmt(pair[0])}; ${fmt(pair[1])} per step`);
console.log(`efficiency (alone / paired mean): ${(alone.wallMs / mean).toFixed(3)}`);
