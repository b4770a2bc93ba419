/**
 * Mean, sample variance (n − 1) and standard deviation of `values`, in two passes so a large
 * mean does not cancel the variance. Shared by the statistical checks of the random streams,
 * the initialisers and the noise.
 */
export function moments(values: ArrayLike<number>): { mean: number; variance: number; std: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  const mean = sum / values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += ((values[i] as number) - mean) ** 2;
  const variance = ss / (values.length - 1);
  return { mean, variance, std: Math.sqrt(variance) };
}
