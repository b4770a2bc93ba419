import { readFile } from 'node:fs/promises';
import { ServerCredentials } from '@grpc/grpc-js';

/** PEM files of the server's TLS identity, and of the CA its clients' certificates must chain to. */
export interface TlsFiles {
  /** Certificate chain. `GRADNOISE_TLS_CERT`. */
  readonly certFile: string;
  /** Private key. `GRADNOISE_TLS_KEY`. */
  readonly keyFile: string;
  /** When set, clients must present a certificate signed by this CA (mTLS). `GRADNOISE_TLS_CLIENT_CA`. */
  readonly clientCaFile: string | null;
}

/**
 * Server credentials: TLS with the given files, or plaintext when `files` is null. A file that
 * cannot be read, or does not hold PEM, fails here at start with its path, never at the first call.
 */
export async function serverCredentials(files: TlsFiles | null): Promise<ServerCredentials> {
  if (files === null) return ServerCredentials.createInsecure();
  const [cert, key, clientCa] = await Promise.all([
    pem(files.certFile, 'GRADNOISE_TLS_CERT', 'CERTIFICATE'),
    pem(files.keyFile, 'GRADNOISE_TLS_KEY', 'PRIVATE KEY'),
    files.clientCaFile === null ? null : pem(files.clientCaFile, 'GRADNOISE_TLS_CLIENT_CA', 'CERTIFICATE'),
  ]);
  return ServerCredentials.createSsl(clientCa, [{ cert_chain: cert, private_key: key }], clientCa !== null);
}

async function pem(path: string, variable: string, label: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${variable}: cannot read ${path}: ${reason}`, { cause: error });
  }
  // "PRIVATE KEY" also matches "RSA PRIVATE KEY" and "EC PRIVATE KEY".
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(bytes.toString('latin1'))) {
    throw new Error(`${variable}: ${path} holds no PEM ${label}`);
  }
  return bytes;
}
