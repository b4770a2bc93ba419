import { AppError, describeValue, isAppError } from '../core/index.js';

/**
 * The one place where database errors become `AppError`s, whether they come from the Prisma
 * client (which wraps the driver's error in `meta.driverAdapterError`) or straight from `pg`:
 *
 * | database says                                   | client gets           |
 * |-------------------------------------------------|-----------------------|
 * | unique violation (23505, P2002)                 | ALREADY_EXISTS        |
 * | foreign-key violation (23503, P2003)            | NOT_FOUND (the parent)|
 * | no such row (P2025)                             | NOT_FOUND             |
 * | malformed uuid text (22P02 on type uuid)        | NOT_FOUND             |
 * | text it cannot hold, e.g. NUL (22021, 22P05)    | INVALID_ARGUMENT      |
 * | connection refused or lost (class 08, 57P0x, …) | UNAVAILABLE           |
 * | anything else                                   | INTERNAL              |
 *
 * The original error is kept as `cause` for the log; the message never quotes the database.
 * `what` and `id` name the object the call was about, e.g. `run` and its id.
 */
export function toAppError(error: unknown, what: string, id = ''): AppError {
  if (isAppError(error)) return error;
  const subject = id === '' ? what : `${what} ${describeValue(id)}`;
  const info = inspect(error);
  const options = { cause: error };
  if (info.sqlState === '23505' || info.prismaCode === 'P2002') {
    return new AppError('ALREADY_EXISTS', `${subject} already exists`, options);
  }
  if (info.sqlState === '23503' || info.prismaCode === 'P2003') {
    const parent = info.constraint === undefined ? undefined : FOREIGN_KEY_PARENTS[info.constraint];
    return new AppError(
      'NOT_FOUND',
      `${parent === undefined || parent === what ? subject : parent} not found`,
      options,
    );
  }
  if (info.prismaCode === 'P2025') return new AppError('NOT_FOUND', `${subject} not found`, options);
  if (info.sqlState === '22P02' && /\btype uuid\b/.test(info.message)) {
    return new AppError('NOT_FOUND', `${subject} not found`, options);
  }
  // Boundaries refuse NUL in the fields they know (src/server/fields.ts); this catches the rest.
  if (info.sqlState === '22021' || info.sqlState === '22P05') {
    return new AppError('INVALID_ARGUMENT', `${subject}: text PostgreSQL cannot store (e.g. NUL)`, options);
  }
  if (isConnectionFailure(info)) {
    return new AppError('UNAVAILABLE', `database unavailable (${subject})`, options);
  }
  return new AppError('INTERNAL', `database error (${subject})`, options);
}

/** Runs `work` and translates whatever it throws with {@link toAppError}. */
export async function translateErrors<T>(what: string, id: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toAppError(error, what, id);
  }
}

interface ErrorInfo {
  readonly sqlState: string | undefined;
  readonly prismaCode: string | undefined;
  readonly constraint: string | undefined;
  readonly message: string;
  readonly nodeCode: string | undefined;
  /** The driver adapter's classification, e.g. `DatabaseNotReachable` (it has no SQLSTATE then). */
  readonly adapterKind: string | undefined;
}

function inspect(error: unknown): ErrorInfo {
  const code = stringField(error, 'code');
  const isPrisma = code !== undefined && /^P\d{4}$/.test(code);
  // Prisma: meta.driverAdapterError.cause = { originalCode, originalMessage, constraint: { index } }.
  const cause = field(field(field(error, 'meta'), 'driverAdapterError'), 'cause');
  const sqlState = isPrisma
    ? stringField(cause, 'originalCode')
    : code !== undefined && /^[0-9A-Z]{5}$/.test(code)
      ? code
      : undefined;
  return {
    sqlState,
    prismaCode: isPrisma ? code : undefined,
    constraint: isPrisma
      ? stringField(field(cause, 'constraint'), 'index')
      : stringField(error, 'constraint'),
    message:
      (isPrisma ? stringField(cause, 'originalMessage') : undefined) ?? stringField(error, 'message') ?? '',
    nodeCode: isPrisma || sqlState !== undefined ? undefined : code,
    adapterKind: isPrisma ? stringField(cause, 'kind') : undefined,
  };
}

const CONNECTION_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
const CONNECTION_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);

function isConnectionFailure(info: ErrorInfo): boolean {
  if (info.sqlState !== undefined) return /^(08|57P0)/.test(info.sqlState) || info.sqlState === '53300';
  if (info.prismaCode !== undefined) {
    return (
      info.prismaCode === 'P1001' ||
      info.prismaCode === 'P1017' ||
      (info.adapterKind !== undefined && CONNECTION_ADAPTER_KINDS.has(info.adapterKind))
    );
  }
  return (
    (info.nodeCode !== undefined && CONNECTION_NODE_CODES.has(info.nodeCode)) ||
    /Connection terminated/.test(info.message)
  );
}

/** What a violated foreign key found missing (constraint names from the migrations). */
const FOREIGN_KEY_PARENTS: Readonly<Record<string, string>> = {
  runs_sweep_id_fkey: 'sweep',
  checkpoints_run_id_fkey: 'run',
};

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function stringField(value: unknown, key: string): string | undefined {
  const found = field(value, key);
  return typeof found === 'string' ? found : undefined;
}
