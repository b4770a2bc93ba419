import type { LabeledSet } from '../../data/index.js';
import type { ClassifierScore } from '../shared/metrics.js';

/**
 * A classifier's accuracy and mean softmax cross-entropy over a whole split, from logits computed
 * `rows` at a time by `logits(x, rows, out)` (the native addon's forward pass): the inputs are
 * passed as views of the split (no copy), and the scores are summed in float64.
 *
 * The same metrics as `scoreClassifier` (`shared/metrics.ts`) on tfjs: a row counts as correct
 * when its label has the largest logit (the first on a tie, as `argMax`), and its loss is
 * log Σ exp(z) − z_label, shifted by the row's largest logit.
 */
export function scoreNative(
  set: LabeledSet,
  classes: number,
  batchRows: number,
  logits: (x: Float32Array, rows: number, out: Float32Array) => void,
): ClassifierScore {
  const { count, features, inputs, labels } = set;
  const out = new Float32Array(batchRows * classes);
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < count; start += batchRows) {
    const rows = Math.min(batchRows, count - start);
    logits(inputs.subarray(start * features, (start + rows) * features), rows, out);
    for (let r = 0; r < rows; r += 1) {
      const z = out.subarray(r * classes, (r + 1) * classes);
      let best = 0;
      for (let c = 1; c < classes; c += 1) if ((z[c] as number) > (z[best] as number)) best = c;
      const top = z[best] as number;
      let sum = 0;
      for (let c = 0; c < classes; c += 1) sum += Math.exp((z[c] as number) - top);
      const label = labels[start + r] as number;
      if (best === label) correct += 1;
      lossSum += Math.log(sum) + top - (z[label] as number);
    }
  }
  return { accuracy: correct / count, loss: lossSum / count };
}
