/**
 * What the addon's start-up checks share: fixed inputs, and a gradient compared with a central
 * finite difference of the loss along one direction.
 */

/** Deterministic values in [−0.5, 0.5) (no random state: a check is the same on every start). */
export function values(count: number, salt: number): Float32Array {
  return Float32Array.from(
    { length: count },
    (_, i) => ((Math.sin((i + 1) * 12.9898 + salt * 78.233) * 43758.5453) % 1) / 2,
  );
}

/**
 * |finite difference − gradient · direction| relative to the larger of the two, along a fixed
 * unit direction (salted by `salt`) with step `step`: `evaluate(at)` gives the loss at `at` and its
 * gradient. A wrong or missing term of a backward pass, swapped operands or a broken BLAS move it
 * far past 1e-2; float32 rounding and the difference's truncation stay well within.
 */
export function directionalMismatch(
  params: readonly Float32Array[],
  evaluate: (at: readonly Float32Array[]) => { loss: number; grads: readonly Float32Array[] },
  step: number,
  salt = 50,
): number {
  const raw = params.map((p, i) => values(p.length, salt + i));
  const norm = Math.hypot(...raw.flatMap((d) => [...d]));
  const direction = raw.map((d) => d.map((v) => v / norm));
  const { grads } = evaluate(params);
  const moved = (sign: number) =>
    params.map((p, i) => p.map((v, j) => v + sign * step * (direction[i]?.[j] ?? 0)));
  const difference = (evaluate(moved(1)).loss - evaluate(moved(-1)).loss) / (2 * step);
  let along = 0;
  grads.forEach((g, i) => {
    g.forEach((v, j) => {
      along += v * (direction[i]?.[j] ?? 0);
    });
  });
  return Math.abs(difference - along) / Math.max(Math.abs(difference), Math.abs(along));
}
