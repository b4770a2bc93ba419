import type { Command } from 'commander';
import { type Connection, connect } from '../client/index.js';
import type { CliIo } from './io.js';

/** The global options, on every command. */
export interface GlobalOptions {
  readonly target: string;
  readonly token?: string;
  readonly json: boolean;
}

/** What every command action gets: the IO, its options with the globals, the server, an exit code. */
export interface CommandContext {
  readonly io: CliIo;
  /** The command's options merged with the global ones. */
  options<T>(command: Command): T & GlobalOptions;
  /** One connection per invocation, opened on first use with the global target and token. */
  connection(command: Command): Connection;
  /** Sets the process exit code (default 0). */
  exit(code: number): void;
}

/** A context whose connection is closed by `close()` when the command is done. */
export function createContext(io: CliIo): CommandContext & { readonly exitCode: number; close(): void } {
  let connection: Connection | undefined;
  let exitCode = 0;
  return {
    io,
    options<T>(command: Command) {
      return command.optsWithGlobals<T & GlobalOptions>();
    },
    connection(command: Command) {
      if (connection === undefined) {
        const { target, token } = command.optsWithGlobals<GlobalOptions>();
        connection = connect({ target, ...(token === undefined || token === '' ? {} : { token }) });
      }
      return connection;
    },
    exit(code: number) {
      exitCode = code;
    },
    get exitCode() {
      return exitCode;
    },
    close() {
      connection?.close();
    },
  };
}
