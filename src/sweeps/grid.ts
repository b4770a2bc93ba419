import type { SweepAxis, SweepCell, SweepSpec } from './types.js';

/** Name of the single cell of a sweep without axes. */
export const BASE_CELL = 'base';

/**
 * Short names of axes in cell keys: the last segment of the field path (`learning_rate` for
 * `optimizer.learning_rate`), or the whole path where two axes share that segment.
 */
export function axisNames(fields: readonly string[]): string[] {
  const last = fields.map((f) => f.slice(f.lastIndexOf('.') + 1));
  return fields.map((field, i) => {
    const name = last[i] as string;
    return last.filter((n) => n === name).length > 1 ? field : name;
  });
}

/** Number of cells of a grid: the product of the axes' value counts (1 without axes). */
export function cellCount(axes: readonly { readonly values: readonly unknown[] }[]): number {
  return axes.reduce((n, axis) => n * axis.values.length, 1);
}

/**
 * Every combination of one value per axis, the first axis outermost (so the cells of one value of
 * the first axis are adjacent, as in the paper's tables). Without axes: the one cell `base`.
 */
export function expandCells(axes: readonly SweepAxis[]): SweepCell[] {
  const total = cellCount(axes);
  const cells: SweepCell[] = [];
  for (let index = 0; index < total; index++) {
    const valueIndices: number[] = new Array(axes.length);
    let rest = index;
    for (let a = axes.length - 1; a >= 0; a--) {
      const size = (axes[a] as SweepAxis).values.length;
      valueIndices[a] = rest % size;
      rest = Math.floor(rest / size);
    }
    cells.push({ index, key: cellKey(axes, valueIndices), valueIndices });
  }
  return cells;
}

/** `name=value` per axis, comma-separated; `base` without axes. */
export function cellKey(axes: readonly SweepAxis[], valueIndices: readonly number[]): string {
  if (axes.length === 0) return BASE_CELL;
  return axes.map((axis, a) => `${axis.name}=${axis.values[valueIndices[a] as number]}`).join(',');
}

/** Cell key of trial t: `trial=<t>` then `name=value` per axis, e.g. `trial=3,learning_rate=0.0012`. */
export function trialKey(axes: readonly SweepAxis[], trial: number, values: readonly string[]): string {
  return [`trial=${trial}`, ...axes.map((axis, a) => `${axis.name}=${values[a]}`)].join(',');
}

/** The cells of a random search, one per trial in trial order. */
export function trialCells(axes: readonly SweepAxis[], samples: readonly (readonly string[])[]): SweepCell[] {
  return samples.map((values, index) => ({
    index,
    key: trialKey(axes, index, values),
    valueIndices: values.map(() => index),
  }));
}

/** The cells of a stored sweep, in grid order (a random search's in trial order). */
export function sweepCells(spec: SweepSpec): SweepCell[] {
  return spec.search === undefined ? expandCells(spec.axes) : trialCells(spec.axes, spec.search.samples);
}
