/** Whether two typed-array views share any byte of memory (the same buffer, overlapping ranges). */
export function sharesMemory(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    a.buffer === b.buffer &&
    a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength
  );
}
