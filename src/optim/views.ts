/** The bytes a typed-array view covers. */
interface ByteRange {
  readonly buffer: ArrayBufferLike;
  readonly start: number;
  readonly end: number;
}

const rangeOf = (v: ArrayBufferView): ByteRange => ({
  buffer: v.buffer,
  start: v.byteOffset,
  end: v.byteOffset + v.byteLength,
});

const overlap = (a: ByteRange, b: ByteRange): boolean =>
  a.buffer === b.buffer && a.start < b.end && b.start < a.end;

/** Whether two typed-array views share any byte of memory (the same buffer, overlapping ranges). */
export function sharesMemory(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return overlap(rangeOf(a), rangeOf(b));
}

/**
 * For each view, whether any other view of the list shares a byte of memory with it (null entries
 * share nothing). Each view's buffer and range are read once: on views of a WebAssembly memory
 * those getters are slow, and the paper MLP's 42 gradients make 1,722 pairs per step.
 */
export function sharedViews(views: readonly (ArrayBufferView | null)[]): boolean[] {
  const ranges = views.map((v) => (v === null ? null : rangeOf(v)));
  return ranges.map((a, i) => a !== null && ranges.some((b, j) => j !== i && b !== null && overlap(a, b)));
}

/**
 * The contract of the noise generators' `(out, base)` pair (`name` is the caller, for the error):
 * `base` holds at least `out.length` values, and `out` is either `base` itself (noise added in
 * place) or shares no memory with it. Throws RangeError otherwise.
 */
export function checkOutAndBase(name: string, out: Float32Array, base: Float32Array): void {
  if (base.length < out.length)
    throw new RangeError(`${name}: base has ${base.length} < ${out.length} values`);
  if (out.byteOffset !== base.byteOffset && sharesMemory(out, base))
    throw new RangeError(`${name}: out and base overlap without being the same array`);
}
