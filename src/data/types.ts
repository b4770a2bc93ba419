/** Labelled samples of one split, row-major: sample `i` is `inputs[i * features .. (i + 1) * features)`. */
export interface LabeledSet {
  /** Features of every sample; for images, pixels scaled to [0, 1]. */
  readonly inputs: Float32Array;
  /** Class index of each sample, in [0, classes). */
  readonly labels: Uint8Array;
  /** Number of samples. */
  readonly count: number;
  /** Features per sample (784 for 28×28 images). */
  readonly features: number;
}

/** A classification data set with its fixed train/test split. */
export interface DataSplit {
  readonly train: LabeledSet;
  readonly test: LabeledSet;
  readonly classes: number;
}

/** The first `count` samples of a split, as views (no copy). `count` must not exceed `data.count`. */
export function takeFirst(data: LabeledSet, count: number): LabeledSet {
  if (count === data.count) return data;
  return {
    inputs: data.inputs.subarray(0, count * data.features),
    labels: data.labels.subarray(0, count),
    count,
    features: data.features,
  };
}
