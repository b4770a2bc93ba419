/**
 * The generator half of `bench/optim.ts`: the paper's deep MLP shape (§4.1), the benchmark's own
 * seeded data streams, and the timings of the noise generators and host-side pieces of a noisy step.
 */
import { noiseStreams, streamFor } from '../src/core/index.js';
import {
  addGradientNoise,
  addScaledNormals,
  addScaledNormalsBoxMuller,
  addScaledNormalsPhilox,
  globalNorm,
  standardNormals,
} from '../src/optim/index.js';
import { addScaledNormalsJs } from '../test/helpers/ziggurat-reference.js';
import { describeRatios, median } from './lib/stats.js';

export const LAYERS = [784, ...Array<number>(20).fill(50), 10];
export const BATCH = 100;
export const SEED = 20161104;

/** Generators for the benchmark's own numbers: lanes 0–2, apart from the noise's (see `NOISE_LANE`). */
export const dataStreams = (kind: number, index: number) =>
  [
    streamFor(SEED, kind, index, 0),
    streamFor(SEED, kind, index, 1),
    streamFor(SEED, kind, index, 2),
  ] as const;

/**
 * The host-side pieces of a noisy step on their own, in CPU ms per step over `params` values:
 * the norm (step 1 of the pipeline) and the noise (step 4). Reading and uploading the tensors are
 * the rest of the difference between the two arms.
 */
export function hostPieces(params: number): { normMs: number; noiseMs: number } {
  const grads = [standardNormals(params, dataStreams(3, 0))];
  const noise = addGradientNoise({ eta: 0.01, seed: SEED });
  const reps = 200;
  const cpuMs = (f: (k: number) => void): number => {
    for (let k = 0; k < 20; k++) f(k);
    const start = process.cpuUsage();
    for (let k = 0; k < reps; k++) f(k);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / reps;
  };
  return {
    normMs: cpuMs(() => globalNorm(grads)),
    noiseMs: cpuMs((k) => noise.update(grads, { step: k, seed: SEED })),
  };
}

/**
 * The generator alone on the network's 42 tensors (88,210 values): the WebAssembly kernel
 * (`addScaledNormals`) against the JavaScript loop it replaced (`test/helpers/ziggurat-reference.ts`),
 * each into a fresh array as the noise transform does, and the kernel in place; then the
 * `box-muller` generator (`addScaledNormalsBoxMuller`, the default since) in place against the
 * ziggurat kernel in place; then the counter-based `philox` generator (`addScaledNormalsPhilox`) in
 * place against `box-muller` in place. The arms alternate rep by rep, so the machine's drift hits
 * them alike; each ratio is the median over reps of the paired ratios.
 */
function generatorComparison(reps: number): {
  kernelNs: number;
  referenceNs: number;
  inPlaceNs: number;
  boxMullerNs: number;
  philoxNs: number;
  ratios: number[];
  boxMullerRatios: number[];
  philoxRatios: number[];
} {
  const sizes = LAYERS.slice(1).flatMap((fanOut, l) => [(LAYERS[l] as number) * fanOut, fanOut]);
  const total = sizes.reduce((n, s) => n + s, 0);
  const grads = sizes.map((n, k) => standardNormals(n, dataStreams(3, k)));
  // Wall time: a pass is under a millisecond, finer than the CPU clock's accounting tick. `inPlace`
  // (the kernel only) is what the optimizer does with `overwriteGradients`: noise into the gradient.
  const timed = (each: (g: Float32Array, k: number) => void): number => {
    const start = performance.now();
    grads.forEach(each);
    return (performance.now() - start) * 1e6;
  };
  const pass = (fill: typeof addScaledNormals, step: number, inPlace = false): number =>
    timed((g, k) => fill(inPlace ? g : new Float32Array(g.length), g, 0.01, noiseStreams(SEED, step, k)));
  const inPlacePass = (step: number): number => pass(addScaledNormals, step, true);
  const boxMullerPass = (step: number): number =>
    timed((g, index) => addScaledNormalsBoxMuller(g, g, 0.01, { seed: SEED, step, index }));
  const philoxPass = (step: number): number =>
    timed((g, index) => addScaledNormalsPhilox(g, g, 0.01, { seed: SEED, step, index }));
  // One rep of two arms, in alternating order, so neither always runs right after the other.
  const paired = (k: number, a: () => number, b: () => number, into: [number[], number[]]): void => {
    if (k % 2 === 0) {
      into[0].push(a());
      into[1].push(b());
    } else {
      into[1].push(b());
      into[0].push(a());
    }
  };
  for (let k = 0; k < 50; k++) {
    pass(addScaledNormals, k);
    pass(addScaledNormalsJs, k);
    inPlacePass(k);
    boxMullerPass(k);
    philoxPass(k);
  }
  const kernel: number[] = [];
  const reference: number[] = [];
  const inPlace: number[] = [];
  const boxMuller: number[] = [];
  const philoxBoxMuller: number[] = [];
  const philox: number[] = [];
  for (let k = 0; k < reps; k++) {
    paired(
      k,
      () => inPlacePass(k),
      () => boxMullerPass(k),
      [inPlace, boxMuller],
    );
    paired(
      k,
      () => pass(addScaledNormals, k),
      () => pass(addScaledNormalsJs, k),
      [kernel, reference],
    );
    paired(
      k,
      () => boxMullerPass(k),
      () => philoxPass(k),
      [philoxBoxMuller, philox],
    );
  }
  return {
    kernelNs: median(kernel) / total,
    referenceNs: median(reference) / total,
    inPlaceNs: median(inPlace) / total,
    boxMullerNs: median(boxMuller) / total,
    philoxNs: median(philox) / total,
    ratios: reference.map((r, i) => r / (kernel[i] as number)),
    boxMullerRatios: inPlace.map((z, i) => z / (boxMuller[i] as number)),
    philoxRatios: philox.map((p, i) => p / (philoxBoxMuller[i] as number)),
  };
}

export function printGenerator(reps: number): void {
  const { kernelNs, referenceNs, inPlaceNs, boxMullerNs, philoxNs, ratios, boxMullerRatios, philoxRatios } =
    generatorComparison(reps);
  console.log(
    `generator (wall, 42 tensors, new arrays): wasm kernel ${kernelNs.toFixed(2)} ns per normal, ` +
      `JavaScript loop ${referenceNs.toFixed(2)} ns; JavaScript / wasm ${describeRatios(ratios)}, ${ratios.length} paired reps`,
  );
  console.log(`generator (wall, 42 tensors, in place): wasm kernel ${inPlaceNs.toFixed(2)} ns per normal`);
  console.log(
    `box-muller generator (wall, 42 tensors, in place): ${boxMullerNs.toFixed(2)} ns per normal; ` +
      `ziggurat / box-muller ${describeRatios(boxMullerRatios)}, ${boxMullerRatios.length} paired reps`,
  );
  console.log(
    `philox generator (wall, 42 tensors, in place): ${philoxNs.toFixed(2)} ns per normal; ` +
      `philox / box-muller ${describeRatios(philoxRatios)}, ${philoxRatios.length} paired reps`,
  );
}
