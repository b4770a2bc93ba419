import { DATASET_STREAM_VERSION, runStreams, Stream } from '../../core/index.js';
import type { DataSplit, LabeledSet } from '../../data/index.js';

/**
 * Seed of the blob geometry (the class centres). A constant, so every run of one config sees the
 * same task and runs with different seeds are comparable; the samples' noise is fixed too. Drawn
 * from the dataset stream version, so runs of every stream version share it.
 */
export const BLOBS_SEED = 8_128;

/** Distance of each class centre from the origin, in units of the blobs' standard deviation. */
const CENTRE_RADIUS = 3;

/**
 * A classification task of isotropic Gaussian blobs: class `c` is N(μ_c, I) in `inputs`
 * dimensions, with the centres μ_c drawn once, uniformly on the sphere of radius 3. In the default
 * 8 dimensions random centres are nearly orthogonal, about 4.2 standard deviations apart, so the
 * best possible accuracy is high (≈ 98% for two classes) but not 1. Labels cycle 0, 1, …, so the
 * classes are balanced. Train and test samples come from separate streams.
 */
export function gaussianBlobs(
  inputs: number,
  classes: number,
  trainSize: number,
  testSize: number,
): DataSplit {
  const streams = runStreams(BLOBS_SEED, DATASET_STREAM_VERSION);
  const geometry = streams.stream(Stream.syntheticData, inputs, classes);
  const centres = Array.from({ length: classes }, () => {
    const direction = geometry.fillNormal(new Float32Array(inputs), 0, 1);
    const norm = Math.hypot(...direction) || 1;
    return direction.map((v) => (v / norm) * CENTRE_RADIUS);
  });
  const sample = (split: number, count: number): LabeledSet => {
    const noise = streams.stream(Stream.syntheticData, inputs, classes, split);
    const values = noise.fillNormal(new Float32Array(count * inputs), 0, 1);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i += 1) {
      const label = i % classes;
      labels[i] = label;
      const centre = centres[label] as Float32Array;
      for (let j = 0; j < inputs; j += 1)
        values[i * inputs + j] = (values[i * inputs + j] as number) + (centre[j] as number);
    }
    return { inputs: values, labels, count, features: inputs };
  };
  return { train: sample(0, trainSize), test: sample(1, testSize), classes };
}
