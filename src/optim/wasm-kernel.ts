/** The part of the WebAssembly JS API used here (its types live in lib.dom, not in our libs). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
};

/**
 * Instantiates one of this module's WebAssembly kernels synchronously (they are a few KB), checks
 * that it exports the functions `names` and its memory, and that the memory holds at least
 * `minBytes`. The kernels never grow their memory, so views of `buffer` stay valid.
 */
export function instantiateKernel<Name extends string>(
  kernelName: string,
  bytes: Uint8Array,
  imports: object,
  names: readonly Name[],
  minBytes: number,
): { readonly functions: Record<Name, (...args: number[]) => number>; readonly buffer: ArrayBuffer } {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
  const buffer: unknown = Reflect.get(exports.memory ?? {}, 'buffer');
  const missing = names.filter((name) => typeof exports[name] !== 'function');
  if (missing.length > 0 || !(buffer instanceof ArrayBuffer))
    throw new Error(`${kernelName} kernel: missing an export (${[...missing, 'memory'].join(', ')})`);
  if (buffer.byteLength < minBytes) throw new Error(`${kernelName} kernel: memory too small`);
  const functions = Object.fromEntries(names.map((name) => [name, exports[name]])) as Record<
    Name,
    (...args: number[]) => number
  >;
  return { functions, buffer };
}
