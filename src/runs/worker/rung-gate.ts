import { GATE_CLOSED } from './protocol.js';

/** `Atomics.waitAsync` (Node 16+, ES2024), which the project's ES2023 lib does not declare. */
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) =>
  | { readonly async: false; readonly value: string }
  | { readonly async: true; readonly value: Promise<string> };

/** Waits until the main thread opens the rung gate (word 1), yielding to the thread's event loop. */
export async function waitAtGate(control: Int32Array): Promise<void> {
  const waitAsync = (Atomics as unknown as { readonly waitAsync: WaitAsync }).waitAsync;
  while (Atomics.load(control, 1) === GATE_CLOSED) {
    const waiting = waitAsync(control, 1, GATE_CLOSED);
    if (waiting.async) await waiting.value;
  }
}
