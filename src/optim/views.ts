/** Whether two typed-array views share any byte of memory (the same buffer, overlapping ranges). */
export function sharesMemory(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    a.buffer === b.buffer &&
    a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength
  );
}

/**
 * For each view, whether any other view of the list shares a byte of memory with it (null entries
 * share nothing). Each view's buffer and range are read once: on views of a WebAssembly memory
 * those getters are slow, and the paper MLP's 42 gradients make 1,722 pairs per step.
 */
export function sharedViews(views: readonly (ArrayBufferView | null)[]): boolean[] {
  const ranges = views.map((v) =>
    v === null ? null : { buffer: v.buffer, start: v.byteOffset, end: v.byteOffset + v.byteLength },
  );
  return ranges.map(
    (a, i) =>
      a !== null &&
      ranges.some(
        (b, j) => j !== i && b !== null && a.buffer === b.buffer && a.start < b.end && b.start < a.end,
      ),
  );
}
