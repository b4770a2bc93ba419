import type { ServiceError } from '@grpc/grpc-js';
import { AppError } from '../core/index.js';

/** Where the CLI writes and what it reads from its environment; tests pass buffers. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  /** Progress bars are drawn here, only when it is a terminal. */
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Exit codes of every command. A watched run ends with the code of its final status, so scripts
 * can branch on it (`gradnoise run start --watch ... || handle`).
 */
export const EXIT = {
  ok: 0,
  /** A call failed (bad input, unknown id, server unreachable), or a check (sha256) failed. */
  error: 1,
  /** The watched run FAILED (e.g. its loss diverged). */
  runFailed: 2,
  /** The watched run was CANCELLED. */
  runCancelled: 3,
  /** The watched run was STOPPED_EARLY by its sweep's ASHA early stopping. */
  runStoppedEarly: 4,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success; a watched run COMPLETED
  1  error (bad input, unknown id, server unreachable, checksum mismatch)
  2  the watched run FAILED
  3  the watched run was CANCELLED
  4  the watched run was STOPPED_EARLY (its sweep's early stopping)`;

/** Prints a value as JSON on one line (proto messages as proto-loader reads them). */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, withoutPresenceMarkers)}\n`);
}

/**
 * Drops the markers proto-loader (`oneofs: true`) adds for every proto3 `optional` field, e.g.
 * `"_maps": "maps"` beside `"maps": 16`: they say only that the field is set, which its presence
 * in the JSON says already. Real oneofs keep theirs (`"config": "mlp"` names the trainer config).
 */
function withoutPresenceMarkers(this: unknown, key: string, value: unknown): unknown {
  if (
    key.startsWith('_') &&
    value === key.slice(1) &&
    typeof this === 'object' &&
    this !== null &&
    value in this
  )
    return undefined;
  return value;
}

/** Prints rows as left-aligned columns under a header. */
export function printTable(io: CliIo, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  io.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}

/** A message for an error of any kind: gRPC status with its name, or our own field errors. */
export function describeError(error: unknown): string {
  if (isServiceError(error)) return `${statusName(error.code)}: ${error.details || error.message}`;
  if (error instanceof AppError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'details' in error
  );
}

const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `status ${code}`;
}

/** Formats a number for tables: up to 4 decimals, '-' when absent. */
export function num(value: number | undefined | null, digits = 4): string {
  if (value === undefined || value === null) return '-';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

/** A google.protobuf.Timestamp as ISO text, '-' when unset. */
export function time(ts: { seconds: string | number; nanos: number } | null | undefined): string {
  if (!ts) return '-';
  return new Date(Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6)).toISOString();
}

/** Labels as `k=v` pairs joined by commas, the way `--label` takes them. */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
